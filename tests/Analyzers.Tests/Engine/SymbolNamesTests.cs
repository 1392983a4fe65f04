using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PtLock.Analyzers.Engine;

namespace PtLock.Analyzers.Tests;

/// <summary>The allocation-free name tests must match a namespace exactly, not a suffix or a prefix of it.</summary>
public class SymbolNamesTests
{
    private static readonly CSharpCompilation Compilation = CSharpCompilation.Create("Names",
        new[] { CSharpSyntaxTree.ParseText("""
            namespace System.Threading { class A { } }
            namespace Outer.System.Threading { class B { } }
            namespace Threading { class C { } }
            namespace System.ThreadingX { class D { } }
            namespace PtLock.Contracts { class OwnAttribute : global::System.Attribute { } class Outer { public class NestedAttribute : global::System.Attribute { } } class GenericAttribute<T> : global::System.Attribute { } }
            namespace Other.PtLock.Contracts { class OwnAttribute : global::System.Attribute { } }
            [PtLock.Contracts.Own] class E { }
            [Other.PtLock.Contracts.Own] class F { }
            [PtLock.Contracts.Outer.Nested] class H { }
            [PtLock.Contracts.Generic<int>] class I { }
            class G { }
            """) },
        InProcessAnalysis.References(withRuntime: false));

    private static INamedTypeSymbol Type(string name) =>
        Compilation.GetSymbolsWithName(name, SymbolFilter.Type).OfType<INamedTypeSymbol>().Single();

    [Theory]
    [InlineData("A", "System.Threading", true)]
    [InlineData("B", "System.Threading", false)]
    [InlineData("C", "System.Threading", false)]
    [InlineData("D", "System.Threading", false)]
    [InlineData("A", "Threading", false)]
    [InlineData("A", "System", false)]
    [InlineData("G", "System", false)]
    [InlineData("A", "X.System.Threading", false)]
    public void NamespaceIs(string type, string dotted, bool expected) =>
        Assert.Equal(expected, SymbolNames.NamespaceIs(Type(type).ContainingNamespace, dotted));

    [Fact]
    public void ContractAttributesAreThoseOfThePtLockContractsNamespace()
    {
        Assert.Equal("OwnAttribute", SymbolNames.ContractAttributeName(Type("E").GetAttributes().Single()));
        Assert.Null(SymbolNames.ContractAttributeName(Type("F").GetAttributes().Single()));
        Assert.True(SymbolNames.HasContractAttribute(Type("E")));
        Assert.False(SymbolNames.HasContractAttribute(Type("F")));
        Assert.False(SymbolNames.HasContractAttribute(Type("G")));
        // Look-alikes that are no contract: a nested attribute class, a generic one.
        Assert.Null(SymbolNames.ContractAttributeName(Type("H").GetAttributes().Single()));
        Assert.Null(SymbolNames.ContractAttributeName(Type("I").GetAttributes().Single()));
    }
}
