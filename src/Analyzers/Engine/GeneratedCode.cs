using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// PtLock skips generated code itself instead of leaving it to the analyzer driver. Left to the driver, every
    /// reported diagnostic makes it walk every token of the diagnostic's file for the attribute's name, and bind every
    /// declaration there if it appears (about a millisecond per file with a finding, in a build or at each IDE request). Here a
    /// generated file (the driver's own test: file name, an auto-generated header, the <c>generated_code</c> option) is
    /// not analysed at all, and a finding is dropped by the driver's rule for <c>[GeneratedCode]</c>, checked only for the
    /// declarations that have findings: the file must mention the attribute by name, and the declaration, or a symbol
    /// containing it, must carry the attribute, where a symbol declared in several parts (a partial type or method) ends
    /// the search unmarked, because the attribute can only be on one of its parts.
    /// </summary>
    internal static class GeneratedCode
    {
        private const string AttributeName = "GeneratedCodeAttribute";
        private const string ShortName = "GeneratedCode";
        private const string AttributeNamespace = "System.CodeDom.Compiler";

        /// <summary>
        /// Whether findings in <paramref name="declaration"/> (a member or accessor) fall in [GeneratedCode] code.
        /// <paramref name="fileMentionsAttribute"/> caches, per file, whether any token of it spells the attribute's name.
        /// </summary>
        public static bool IsMarked(SyntaxNode declaration, SemanticModel model, ref bool? fileMentionsAttribute, CancellationToken cancellation)
        {
            // Read from syntax first: a symbol of one part carries only the attributes written on that part, which is
            // one of the declarations around this one, so without any attribute (or a partial) there, only an
            // assembly-wide attribute can mark it. Walking the file's tokens, as the driver does, costs more than that.
            if (!MayBeMarked(declaration) && !AssemblyIsMarked(model.Compilation))
                return false;
            fileMentionsAttribute ??= MentionsAttribute(declaration.SyntaxTree.GetRoot(cancellation));
            if (fileMentionsAttribute != true)
                return false;
            for (var node = declaration; node is not null; node = node.Parent)
            {
                if (node is not (MemberDeclarationSyntax or AccessorDeclarationSyntax) || node is BaseNamespaceDeclarationSyntax)
                    continue;
                if (model.GetDeclaredSymbol(node, cancellation) is { } symbol && IsMarkedSymbol(symbol))
                    return true;
            }
            return false;
        }

        /// <summary>Some declaration around this one has attributes, or is partial (its other part may have them).</summary>
        private static bool MayBeMarked(SyntaxNode declaration)
        {
            for (var node = declaration; node is not null; node = node.Parent)
            {
                switch (node)
                {
                    case AccessorDeclarationSyntax accessor when accessor.AttributeLists.Count > 0:
                        return true;
                    case MemberDeclarationSyntax member when member.AttributeLists.Count > 0 || member.Modifiers.Any(SyntaxKind.PartialKeyword):
                        return true;
                }
            }
            return false;
        }

        private static readonly ConditionalWeakTable<Compilation, object> s_assemblyMarked = new ConditionalWeakTable<Compilation, object>();
        private static readonly object s_marked = new object(), s_unmarked = new object();

        /// <summary>Whether the assembly or its module carries the attribute (which marks everything in it), once per compilation.</summary>
        private static bool AssemblyIsMarked(Compilation compilation) =>
            s_assemblyMarked.GetValue(compilation, c => HasAttribute(c.Assembly) || HasAttribute(c.SourceModule) ? s_marked : s_unmarked) == s_marked;

        /// <summary>The symbol or one containing it carries the attribute, unless a symbol on the way has several parts.</summary>
        private static bool IsMarkedSymbol(ISymbol symbol)
        {
            for (var current = symbol; current is not null; current = current.ContainingSymbol)
            {
                if (current is INamespaceSymbol)
                    continue;
                if (current.DeclaringSyntaxReferences.Length > 1)
                    return false;
                if (HasAttribute(current))
                    return true;
            }
            return false;
        }

        private static bool MentionsAttribute(SyntaxNode root)
        {
            foreach (var token in root.DescendantTokens())
            {
                string text = token.ValueText;
                if (string.Equals(text, ShortName, StringComparison.Ordinal) || string.Equals(text, AttributeName, StringComparison.Ordinal))
                    return true;
            }
            return false;
        }

        private static bool HasAttribute(ISymbol symbol)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: AttributeName, Arity: 0, ContainingType: null } type && SymbolNames.NamespaceIs(type.ContainingNamespace, AttributeNamespace))
                    return true;
            }
            return false;
        }
    }
}
