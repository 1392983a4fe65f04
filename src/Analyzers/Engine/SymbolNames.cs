using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// Name tests on symbols that allocate nothing. The contract model asks them for every attribute of every method,
    /// type and member it looks at; <c>ToDisplayString()</c> built a new string for each.
    /// </summary>
    internal static class SymbolNames
    {
        private const string ContractsNamespace = "PtLock.Contracts";

        /// <summary>
        /// The attribute's class name ("AcquiresAttribute") when it is a PtLock contract (a top-level, non-generic class of
        /// PtLock.Contracts), otherwise null.
        /// </summary>
        public static string? ContractAttributeName(AttributeData attribute) =>
            attribute.AttributeClass is { Arity: 0, ContainingType: null } type && NamespaceIs(type.ContainingNamespace, ContractsNamespace) ? type.Name : null;

        /// <summary>Whether <paramref name="symbol"/> carries any attribute of the PtLock.Contracts namespace.</summary>
        public static bool HasContractAttribute(ISymbol symbol)
        {
            foreach (var attribute in symbol.GetAttributes())
                if (attribute.AttributeClass is { } type && NamespaceIs(type.ContainingNamespace, ContractsNamespace))
                    return true;
            return false;
        }

        /// <summary>Whether <paramref name="ns"/> is the namespace spelled <paramref name="dotted"/> ("System.Threading").</summary>
        public static bool NamespaceIs(INamespaceSymbol? ns, string dotted)
        {
            int end = dotted.Length;
            for (; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                string name = ns.Name;
                int start = end - name.Length;
                if (start < 0 || string.CompareOrdinal(dotted, start, name, 0, name.Length) != 0)
                    return false;
                if (start == 0)
                    return ns.ContainingNamespace is null or { IsGlobalNamespace: true };
                if (dotted[start - 1] != '.')
                    return false;
                end = start - 1;
            }
            return false;
        }
    }
}
