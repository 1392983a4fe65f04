using PtLock.Analyzers.Tests.Verifiers;

namespace PtLock.Analyzers.Tests.Rules;

/// <summary>The class the generic-rule tests write their members into: the prelude's locks and a guarded field.</summary>
internal static class GenericRuleHarness
{
    public static Task Verify(string members) => AllRulesVerifier.VerifyAsync(Prelude.Mutex + """
        class C
        {
            Mutex mu = new Mutex();
            Mutex mu2 = new Mutex();
            Spin spin = new Spin();
            [GuardedBy(nameof(mu))] int a;
            bool flag;

        """ + members + "\n}\n");
}
