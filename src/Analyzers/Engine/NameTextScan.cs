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
            bool lineStart = true;
            char previous = '\0';
            uint previousRun = 0;
            int i = 0;
            while (i < length)
            {
                char c = buffer[i];
                if (c == '\n' || c == '\r')
                {
                    lineStart = true;
                    i++;
                    continue;
                }
                if (c == ' ' || c == '\t')
                {
                    i++;
                    continue;
                }
                if (c == '\\' || c == '[' && MayOpenAttributeList(lineStart, previous, previousRun))
                    return true;
                lineStart = false;
                previous = c;
                previousRun = 0;
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
                previousRun = hash;
            }
            return false;
        }

        /// <summary>
        /// Whether a '[' can open an attribute list (of a local function, a lambda or their parameters): anywhere but
        /// right after a name, ']', ')' or '!' on the same line, where it indexes or makes an array type ('?' stays:
        /// <c>a?[i]</c> indexes, but <c>f ?? [A] () => 1</c> and <c>c ? [A] () => 1 : g</c> are lambdas); after
        /// <c>return</c> it can still open a lambda's attributes. At the start of a line anything can precede it
        /// (a comment, a directive).
        /// </summary>
        private static bool MayOpenAttributeList(bool lineStart, char previous, uint previousRun) =>
            lineStart || previousRun == s_return
            || !(previous == ']' || previous == ')' || previous == '!' || SyntaxFacts.IsIdentifierPartCharacter(previous));

        private static readonly uint s_return = Hash("return");

        private static uint Hash(string name)
        {
            uint hash = FnvOffset;
            foreach (char c in name)
                hash = (hash ^ c) * FnvPrime;
            return hash;
        }
    }
}
