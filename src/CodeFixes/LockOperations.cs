using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PtLock.Analyzers.Engine;

namespace PtLock.CodeFixes
{
    /// <summary>
    /// Finds how to acquire or release a lock, from the contracts of the API in scope: an instance method of
    /// the lock's type declared [Acquires("this")]/[Releases("this")] (mu.Unlock()), a static method taking
    /// the lock ([Releases("ptl")] SpinUnlock(ptl)), or a parameterless static method of the lock's own type
    /// for a static lock (Rcu.ReadUnlock() for Rcu.Global).
    /// </summary>
    internal static class LockOperations
    {
        public static StatementSyntax? Statement(SemanticModel model, int position, string lockText, bool release, bool shared)
        {
            var lockExpression = SyntaxFactory.ParseExpression(lockText);
            if (lockExpression.ContainsDiagnostics)
                return null;
            var type = model.GetSpeculativeTypeInfo(position, lockExpression, SpeculativeBindingOption.BindAsExpression).Type;
            if (type is null || type.TypeKind == TypeKind.Error)
                return null;
            var contracts = LockEngine.For(model.Compilation).Model;

            // 0. OwnerHelper(owner) for a lock that may be absent (vma.HugetlbVmaLock): lock.Method() would not
            //    compile cleanly, the owner's helper handles the null case (hugetlb_vma_lock_read(vma)).
            var ownerHelper = OwnerHelper(model, position, lockExpression, contracts, release, shared);
            if (ownerHelper is not null && MayBeNull(model, position, lockExpression))
                return ownerHelper;

            // 1. lockExpr.Method()
            for (var t = type; t is not null; t = t.BaseType)
            {
                foreach (var m in t.GetMembers().OfType<IMethodSymbol>())
                {
                    if (m.IsStatic || !m.Parameters.IsEmpty || !model.IsAccessible(position, m))
                        continue;
                    if (Names(contracts.GetContract(m), release, shared, "this"))
                        return Call(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Parenthesize(lockExpression), SyntaxFactory.IdentifierName(m.Name)));
                }
            }

            // 2. StaticHelper(lockExpr), searched in the namespace of the lock's type.
            foreach (var helperType in type.ContainingNamespace?.GetTypeMembers() ?? Enumerable.Empty<INamedTypeSymbol>())
            {
                foreach (var m in helperType.GetMembers().OfType<IMethodSymbol>())
                {
                    if (!m.IsStatic || m.Parameters.Length != 1 || !model.IsAccessible(position, m)
                        || !SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, type))
                        continue;
                    if (Names(contracts.GetContract(m), release, shared, m.Parameters[0].Name))
                        return Call(SyntaxFactory.InvocationExpression(Qualified(model, position, m),
                            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(lockExpression)))), bareInvocation: true);
                }
            }

            // 3. Type.Method() for a static lock such as Rcu.Global.
            if (lockExpression is MemberAccessExpressionSyntax { Expression: var owner } && model.GetSpeculativeSymbolInfo(position, owner, SpeculativeBindingOption.BindAsTypeOrNamespace).Symbol is INamedTypeSymbol ownerType)
            {
                foreach (var m in ownerType.GetMembers().OfType<IMethodSymbol>())
                {
                    if (!m.IsStatic || !m.Parameters.IsEmpty || !model.IsAccessible(position, m))
                        continue;
                    if (Names(contracts.GetContract(m), release, shared, lockText))
                        return Call(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(m.Name)));
                }
            }
            return ownerHelper;
        }

        /// <summary>A static method taking the lock's owner whose contract names "owner.Member": Helper(owner).</summary>
        private static StatementSyntax? OwnerHelper(SemanticModel model, int position, ExpressionSyntax lockExpression, ContractModel contracts, bool release, bool shared)
        {
            if (lockExpression is not MemberAccessExpressionSyntax { Expression: var owner, Name: var member })
                return null;
            var ownerType = model.GetSpeculativeTypeInfo(position, owner, SpeculativeBindingOption.BindAsExpression).Type;
            if (ownerType is null || ownerType.TypeKind == TypeKind.Error)
                return null;
            foreach (var helperType in ownerType.ContainingNamespace?.GetTypeMembers() ?? Enumerable.Empty<INamedTypeSymbol>())
            {
                foreach (var m in helperType.GetMembers().OfType<IMethodSymbol>())
                {
                    if (!m.IsStatic || m.Parameters.Length != 1 || !model.IsAccessible(position, m)
                        || !SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, ownerType))
                        continue;
                    if (Names(contracts.GetContract(m), release, shared, m.Parameters[0].Name + "." + member.Identifier.ValueText))
                        return Call(SyntaxFactory.InvocationExpression(Qualified(model, position, m),
                            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(owner)))), bareInvocation: true);
                }
            }
            return null;
        }

        private static bool MayBeNull(SemanticModel model, int position, ExpressionSyntax lockExpression) =>
            model.GetSpeculativeSymbolInfo(position, lockExpression, SpeculativeBindingOption.BindAsExpression).Symbol switch
            {
                IPropertySymbol p => p.NullableAnnotation == NullableAnnotation.Annotated,
                IFieldSymbol f => f.NullableAnnotation == NullableAnnotation.Annotated,
                _ => false,
            };

        private static bool Names(MethodContract c, bool release, bool shared, string expected)
        {
            var list = release ? (shared ? c.ReleasesShared : c.Releases) : (shared ? c.AcquiresShared : c.Acquires);
            return list.Length == 1 && list[0].ToString() == expected && c.TryAcquires.IsEmpty && c.BuiltIn == BuiltInBehavior.None;
        }

        internal static ExpressionSyntax Qualified(SemanticModel model, int position, IMethodSymbol m)
        {
            // Use the bare name where it already binds to this method (using static), else Type.Method.
            var bare = SyntaxFactory.IdentifierName(m.Name);
            var bound = model.GetSpeculativeSymbolInfo(position, bare, SpeculativeBindingOption.BindAsExpression);
            if (bound.CandidateSymbols.Concat(new[] { bound.Symbol }).Any(s => SymbolEqualityComparer.Default.Equals(s, m)))
                return bare;
            return SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                SyntaxFactory.ParseTypeName(m.ContainingType.ToMinimalDisplayString(model, position)), bare);
        }

        private static ExpressionSyntax Parenthesize(ExpressionSyntax e) =>
            e is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ThisExpressionSyntax ? e : SyntaxFactory.ParenthesizedExpression(e);

        private static StatementSyntax Call(ExpressionSyntax target, bool bareInvocation = false) =>
            SyntaxFactory.ExpressionStatement(bareInvocation ? target : SyntaxFactory.InvocationExpression(target));
    }
}
