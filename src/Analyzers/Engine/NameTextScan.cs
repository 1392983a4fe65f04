using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// The first, text-only step of the pre-filter: whether a body's source text can mention an interesting name (or
    /// the <c>lock</c> keyword) at all. Most bodies of a compilation mention none, and reading their characters costs far
    /// less than walking their syntax nodes, which the pre-filter otherwise does for every body of every build. The
    /// answer errs one way only: "maybe" sends the body to the syntax walk, which decides. Hash collisions, names in
    /// comments or strings, a '[' that may open an attribute list (an attributed local function or lambda carries its
    /// own contract), a '\' (an identifier spelled with a unicode escape) and a formatting character (which the
    /// compiler removes from identifiers) all answer "maybe".
    /// </summary>
    internal sealed class NameTextScan
    {
        private const uint FnvOffset = 2166136261;
        private const uint FnvPrime = 16777619;

        [ThreadStatic]
        private static char[]? t_buffer;

        private readonly HashSet<uint> _hashes = new HashSet<uint>();

        public NameTextScan(IEnumerable<string> names)
        {
            foreach (var name in names)
                _hashes.Add(Hash(name));
            _hashes.Add(Hash("lock"));
        }

        /// <summary>Whether the text in <paramref name="span"/> may mention one of the names.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public bool MayMention(SourceText text, TextSpan span)
        {
            int length = span.Length;
            var buffer = t_buffer;
            if (buffer is null || buffer.Length < length)
                t_buffer = buffer = new char[Math.Max(length, 4096)];
            text.CopyTo(span.Start, buffer, 0, length);
            bool lineStart = true, spaced = false;
            char previous = '\0';
            bool previousIsKeyword = false;
            int i = 0;
            while (i < length)
            {
                char c = buffer[i];
                if (c == '\n' || c == '\r')
                {
                    lineStart = spaced = true;
                    i++;
                    continue;
                }
                if (c == ' ' || c == '\t')
                {
                    spaced = true;
                    i++;
                    continue;
                }
                if (c == '\\' || c == '[' && MayOpenAttributeList(lineStart, spaced, previous, previousIsKeyword))
                    return true;
                lineStart = spaced = previousIsKeyword = false;
                previous = c;
                if (!SyntaxFacts.IsIdentifierPartCharacter(c))
                {
                    i++;
                    continue;
                }
                // One identifier-like run (a number's digits too: they hash to nothing that matters).
                uint hash = FnvOffset;
                while (i < length && SyntaxFacts.IsIdentifierPartCharacter(c = buffer[i]))
                {
                    if (c >= 0x80 && char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                        return true; // the compiler drops formatting characters from names
                    hash = (hash ^ c) * FnvPrime;
                    i++;
                }
                if (_hashes.Contains(hash))
                    return true;
                previous = 'a';
                previousIsKeyword = s_keywords.Contains(hash);
            }
            return false;
        }

        /// <summary>
        /// Whether a '[' can open an attribute list (of a local function, a lambda or their parameters). It cannot only
        /// where it touches a name, ']', ')' or '!' (<c>a[i]</c>, <c>int[]</c>, <c>f()[0]</c>, <c>x![1]</c>): there it
        /// indexes or makes an array type. After a keyword (<c>return [A] () =&gt; 1</c>, <c>select [A] …</c>), after
        /// whitespace or at the start of a line (a comment or a directive may end the line before), after any other
        /// symbol ('?' included: <c>f ?? [A] () =&gt; 1</c>), it may open one.
        /// </summary>
        private static bool MayOpenAttributeList(bool lineStart, bool spaced, char previous, bool previousIsKeyword) =>
            lineStart || spaced || previousIsKeyword
            || !(previous == ']' || previous == ')' || previous == '!' || SyntaxFacts.IsIdentifierPartCharacter(previous));

        /// <summary>
        /// The hashes of the C# keywords and contextual keywords a '[' can follow as an attribute list; not the ones it
        /// follows as an array (<c>int[]</c>, <c>new[]</c>, <c>stackalloc[]</c>) or an indexer (<c>this[i]</c>, <c>base[i]</c>).
        /// </summary>
        private static readonly HashSet<uint> s_keywords = KeywordHashes();

        private static HashSet<uint> KeywordHashes()
        {
            var hashes = new HashSet<uint>();
            foreach (var kind in SyntaxFacts.GetKeywordKinds())
                if (!SyntaxFacts.IsPredefinedType(kind) && kind is not (SyntaxKind.NewKeyword or SyntaxKind.ThisKeyword or SyntaxKind.BaseKeyword or SyntaxKind.StackAllocKeyword))
                    hashes.Add(Hash(SyntaxFacts.GetText(kind)));
            foreach (var kind in SyntaxFacts.GetContextualKeywordKinds())
                hashes.Add(Hash(SyntaxFacts.GetText(kind)));
            return hashes;
        }

        private static uint Hash(string name)
        {
            uint hash = FnvOffset;
            foreach (char c in name)
                hash = (hash ^ c) * FnvPrime;
            return hash;
        }
    }
}
