using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
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

        // An IDE makes a new compilation per keystroke but keeps every unchanged tree and referenced assembly
        // symbol: the names each contributes are cached on it, so an edit re-reads one file.
        private static readonly ConditionalWeakTable<SyntaxTree, string[]> s_treeNames = new ConditionalWeakTable<SyntaxTree, string[]>();
        private static readonly ConditionalWeakTable<IAssemblySymbol, string[]> s_assemblyNames = new ConditionalWeakTable<IAssemblySymbol, string[]>();

        [MethodImpl(JitOptions.Optimized)]
        public static HashSet<string> Build(Compilation compilation)
        {
            var names = new HashSet<string>(s_frameworkLockMethods);
            foreach (var tree in compilation.SyntaxTrees)
                names.UnionWith(s_treeNames.GetValue(tree, NamesDeclaredIn));
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
                names.UnionWith(s_assemblyNames.GetValue(assembly, NamesAnnotatedIn));
            return names;
        }

        /// <summary>Annotated members declared in one file. Only declarations are visited, never bodies.</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static string[] NamesDeclaredIn(SyntaxTree tree)
        {
            var names = new HashSet<string>();
            var pending = new Stack<SyntaxNode>();
            pending.Push(tree.GetRoot());
            while (pending.Count > 0)
            {
                var node = pending.Pop();
                switch (node)
                {
                    case CompilationUnitSyntax unit:
                        foreach (var member in unit.Members)
                            pending.Push(member);
                        break;
                    case BaseNamespaceDeclarationSyntax ns:
                        foreach (var member in ns.Members)
                            pending.Push(member);
                        break;
                    case TypeDeclarationSyntax type:
                        foreach (var member in type.Members)
                            pending.Push(member);
                        break;
                    case MethodDeclarationSyntax method:
                        if (IsAnnotated(method.AttributeLists) || method.ParameterList.Parameters.Any(p => IsAnnotated(p.AttributeLists)))
                            names.Add(method.Identifier.ValueText);
                        break;
                    case PropertyDeclarationSyntax property:
                        if (IsAnnotated(property.AttributeLists))
                            names.Add(property.Identifier.ValueText);
                        break;
                    case IndexerDeclarationSyntax indexer:
                        if (IsAnnotated(indexer.AttributeLists))
                            names.Add("this");
                        break;
                    case FieldDeclarationSyntax field:
                        if (IsAnnotated(field.AttributeLists))
                            foreach (var v in field.Declaration.Variables)
                                names.Add(v.Identifier.ValueText);
                        break;
                }
            }
            return names.ToArray();
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsAnnotated(SyntaxList<AttributeListSyntax> lists)
        {
            foreach (var list in lists)
                foreach (var attribute in list.Attributes)
                    if (s_attributeNames.Contains(Simple(attribute.Name)))
                        return true;
            return false;
        }

        /// <summary>Public annotated members of an assembly built against PtLock.Contracts or with them compiled in (none for any other).</summary>
        [MethodImpl(JitOptions.Optimized)]
        private static string[] NamesAnnotatedIn(IAssemblySymbol assembly)
        {
            if (!assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "PtLock.Contracts")) && !ContractModel.DeclaresContracts(assembly))
                return Array.Empty<string>();
            var names = new HashSet<string>();
            AddAnnotatedMembers(assembly.GlobalNamespace, names);
            return names.ToArray();
        }

        [MethodImpl(JitOptions.Optimized)]
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

        [MethodImpl(JitOptions.Optimized)]
        private static bool IsAnnotated(ISymbol symbol) =>
            SymbolNames.HasContractAttribute(symbol);

        [MethodImpl(JitOptions.Optimized)]
        private static string Simple(NameSyntax name)
        {
            string text = name switch
            {
                QualifiedNameSyntax q => q.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
                SimpleNameSyntax s => s.Identifier.ValueText,
                _ => name.ToString(),
            };
            return text.EndsWith("Attribute", StringComparison.Ordinal) ? text.Substring(0, text.Length - "Attribute".Length) : text;
        }
    }
}
