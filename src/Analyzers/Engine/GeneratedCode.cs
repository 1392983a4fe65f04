using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// PtLock skips generated code itself instead of leaving it to the analyzer driver. Left to the driver, every
    /// reported diagnostic makes it find the [GeneratedCode] symbols of the diagnostic's file by binding every
    /// declaration there (about a millisecond per file with a finding, in a build or at each IDE request). Here a
    /// generated file (the driver's own test: file name, an auto-generated header, the <c>generated_code</c> option) is
    /// not analysed at all, and a finding's declaration is checked for <c>[GeneratedCode]</c> only when its syntax can
    /// carry one.
    /// </summary>
    internal static class GeneratedCode
    {
        private const string AttributeName = "GeneratedCodeAttribute";
        private const string AttributeNamespace = "System.CodeDom.Compiler";

        /// <summary>
        /// Whether <paramref name="declaration"/> (a member or accessor) is, or is inside, a type or member marked
        /// <c>[GeneratedCode]</c>, as the driver judges it: on any part of a partial type or member too.
        /// </summary>
        public static bool IsMarked(SyntaxNode declaration, SemanticModel model, CancellationToken cancellation)
        {
            if (!MayBeMarked(declaration))
                return false;
            for (var node = declaration; node is not null; node = node.Parent)
            {
                if (node is not (MemberDeclarationSyntax or AccessorDeclarationSyntax) || node is BaseNamespaceDeclarationSyntax)
                    continue;
                if (model.GetDeclaredSymbol(node, cancellation) is { } symbol && HasAttribute(symbol))
                    return true;
            }
            return false;
        }

        /// <summary>Read from syntax: some enclosing declaration has attributes here, or is partial (its other part may).</summary>
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

        private static bool HasAttribute(ISymbol symbol)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: AttributeName } type && SymbolNames.NamespaceIs(type.ContainingNamespace, AttributeNamespace))
                    return true;
            }
            return false;
        }
    }
}
