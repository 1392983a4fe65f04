using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PtLock.Analyzers.Engine
{
    /// <summary>Parses contract strings with the C# parser; anything outside the grammar yields null.</summary>
    internal static class LockExprParser
    {
        private static readonly System.Text.RegularExpressions.Regex s_returnKeyword = new System.Text.RegularExpressions.Regex(@"(?<![@\w])return\b");
        private static readonly ConcurrentDictionary<string, LockExpr?> s_cache = new ConcurrentDictionary<string, LockExpr?>();

        [MethodImpl(JitOptions.Optimized)]
        public static LockExpr? Parse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text))
                return null;
            // "return" is a keyword to the C# parser; as a verbatim identifier it parses as a name.
            return s_cache.GetOrAdd(text!, t => Convert(SyntaxFactory.ParseExpression(s_returnKeyword.Replace(t, "@return"))));
        }

        [MethodImpl(JitOptions.Optimized)]
        private static LockExpr? Convert(ExpressionSyntax syntax)
        {
            if (syntax.ContainsDiagnostics)
                return null;
            switch (syntax)
            {
                case ParenthesizedExpressionSyntax p:
                    return Convert(p.Expression);
                case ThisExpressionSyntax _:
                    return new PathExpr("this", ImmutableArray<string>.Empty);
                case IdentifierNameSyntax id:
                    return new PathExpr(id.Identifier.ValueText, ImmutableArray<string>.Empty);
                case MemberAccessExpressionSyntax m when m.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    if (Convert(m.Expression) is PathExpr inner)
                        return new PathExpr(inner.Root, inner.Members.Add(m.Name.Identifier.ValueText));
                    return null;
                case InvocationExpressionSyntax call:
                    string? name = call.Expression switch
                    {
                        IdentifierNameSyntax n => n.Identifier.ValueText,
                        MemberAccessExpressionSyntax ma => ma.Name.Identifier.ValueText,
                        _ => null,
                    };
                    if (name is null)
                        return null;
                    var args = ImmutableArray.CreateBuilder<LockExpr>(call.ArgumentList.Arguments.Count);
                    foreach (var arg in call.ArgumentList.Arguments)
                    {
                        var converted = Convert(arg.Expression);
                        if (converted is null)
                            return null;
                        args.Add(converted);
                    }
                    return new CallExpr(name, args.MoveToImmutable());
                default:
                    return null;
            }
        }
    }
}
