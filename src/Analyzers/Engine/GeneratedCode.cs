using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// PtLock skips generated code itself instead of leaving it to the analyzer driver. Left to the driver, every
    /// reported diagnostic makes it find the [GeneratedCode] symbols of the diagnostic's file by binding every
    /// declaration there (about a millisecond per file with a finding, in a build or at each IDE request). Here a
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
