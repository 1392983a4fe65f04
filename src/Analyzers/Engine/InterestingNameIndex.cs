using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// The names a body must mention to be worth binding: members carrying a PtLock.Contracts attribute
    /// (read from the syntax of this compilation and from the metadata of assemblies that reference the
    /// contracts) and the framework's lock methods.
    /// </summary>
    internal static class InterestingNameIndex
    {
        private static readonly string[] s_frameworkLockMethods =
        {
            "Enter", "Exit", "TryEnter", "EnterScope", "Wait", "Pulse", "PulseAll",
            "EnterReadLock", "ExitReadLock", "EnterWriteLock", "ExitWriteLock", "EnterUpgradeableReadLock",
            "ExitUpgradeableReadLock", "TryEnterReadLock", "TryEnterWriteLock", "TryEnterUpgradeableReadLock", "Dispose",
        };

        private static readonly HashSet<string> s_attributeNames = new HashSet<string>
        {
            "Requires", "RequiresShared", "Excludes", "Acquires", "AcquiresShared", "Releases", "ReleasesShared",
            "TryAcquires", "TryAcquiresShared", "AssertHeld", "ReturnsCapability", "GuardedBy", "PtGuardedBy",
            "NoLockAnalysis", "Fallible", "MapsPte", "UnmapsPte", "LocklessSnapshot", "Recheck", "EntryWrite",
            "FreesTableNow", "FreesTableDeferred", "MaySleep", "RequiresStable", "PublishedTable", "SameTableAs", "ValidWhileHeld",
        };

        public static HashSet<string> Build(Compilation compilation)
        {
            var names = new HashSet<string>(s_frameworkLockMethods);
            foreach (var tree in compilation.SyntaxTrees)
            {
                var root = tree.GetRoot();
                foreach (var attribute in root.DescendantNodes(n => n is not (BlockSyntax or ArrowExpressionClauseSyntax)).OfType<AttributeSyntax>())
                {
                    if (!s_attributeNames.Contains(Simple(attribute.Name)))
                        continue;
                    var owner = attribute.Parent?.Parent;
                    string? name = owner switch
                    {
                        MethodDeclarationSyntax m => m.Identifier.ValueText,
                        PropertyDeclarationSyntax p => p.Identifier.ValueText,
                        FieldDeclarationSyntax f => f.Declaration.Variables.FirstOrDefault()?.Identifier.ValueText,
                        ParameterSyntax { Parent.Parent: MethodDeclarationSyntax pm } => pm.Identifier.ValueText,
                        IndexerDeclarationSyntax => "this",
                        _ => null,
                    };
                    if (name is not null)
                        names.Add(name);
                    if (owner is FieldDeclarationSyntax field)
                        foreach (var v in field.Declaration.Variables)
                            names.Add(v.Identifier.ValueText);
                }
            }
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (!assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "PtLock.Contracts")))
                    continue;
                AddAnnotatedMembers(assembly.GlobalNamespace, names);
            }
            return names;
        }

        private static void AddAnnotatedMembers(INamespaceOrTypeSymbol container, HashSet<string> names)
        {
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceOrTypeSymbol nested)
                {
                    AddAnnotatedMembers(nested, names);
                    continue;
                }
                if (member.DeclaredAccessibility is Accessibility.Private)
                    continue;
                if (IsAnnotated(member) || member is IMethodSymbol m && m.Parameters.Any(IsAnnotated))
                    names.Add(member is IMethodSymbol { AssociatedSymbol: { } property } ? property.Name : member.Name);
            }
        }

        private static bool IsAnnotated(ISymbol symbol) =>
            symbol.GetAttributes().Any(a => a.AttributeClass?.ContainingNamespace?.ToDisplayString() == "PtLock.Contracts");

        private static string Simple(NameSyntax name)
        {
            string text = name switch
            {
                QualifiedNameSyntax q => q.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
                SimpleNameSyntax s => s.Identifier.ValueText,
                _ => name.ToString(),
            };
            return text.EndsWith("Attribute", System.StringComparison.Ordinal) ? text.Substring(0, text.Length - "Attribute".Length) : text;
        }
    }
}
