using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace PtLock.Analyzers.Engine
{
    /// <summary>
    /// An immutable map for flow states. A state holds a handful of entries per map (held locks, locals, pending
    /// try-acquires) and is copied at every transfer, so two arrays scanned linearly cost far less than
    /// ImmutableDictionary's tree: no node allocation per update, no pooled stack per enumeration. A map that
    /// grows large (a body with hundreds of locals) gets a hash index, built once per instance on first lookup.
    /// Enumeration follows insertion order, so the analysis is deterministic.
    /// </summary>
    internal sealed class SmallMap<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
        where TKey : notnull
    {
        private const int IndexThreshold = 16;

        public static readonly SmallMap<TKey, TValue> Empty = new SmallMap<TKey, TValue>(Array.Empty<TKey>(), Array.Empty<TValue>(), EqualityComparer<TKey>.Default);

        private readonly TKey[] _keys;
        private readonly TValue[] _values;
        private readonly IEqualityComparer<TKey> _comparer;
        private Dictionary<TKey, int>? _index;

        private SmallMap(TKey[] keys, TValue[] values, IEqualityComparer<TKey> comparer)
        {
            _keys = keys;
            _values = values;
            _comparer = comparer;
        }

        /// <summary>An empty map comparing keys with <paramref name="comparer"/> (symbols need SymbolEqualityComparer).</summary>
        [MethodImpl(JitOptions.Optimized)]
        public static SmallMap<TKey, TValue> Create(IEqualityComparer<TKey> comparer) =>
            new SmallMap<TKey, TValue>(Array.Empty<TKey>(), Array.Empty<TValue>(), comparer);

        public int Count => _keys.Length;

        public bool IsEmpty => _keys.Length == 0;

        public IReadOnlyList<TKey> Keys => _keys;

        public IReadOnlyList<TValue> Values => _values;

        [MethodImpl(JitOptions.Optimized)]
        public bool ContainsKey(TKey key) => IndexOf(key) >= 0;

        [MethodImpl(JitOptions.Optimized)]
        public bool TryGetValue(TKey key, out TValue value)
        {
            int i = IndexOf(key);
            if (i < 0)
            {
                value = default!;
                return false;
            }
            value = _values[i];
            return true;
        }

        /// <summary>This map with <paramref name="key"/> bound to <paramref name="value"/> (this map itself when it already is).</summary>
        [MethodImpl(JitOptions.Optimized)]
        public SmallMap<TKey, TValue> SetItem(TKey key, TValue value)
        {
            int i = IndexOf(key);
            if (i >= 0)
            {
                if (Same(_values[i], value))
                    return this;
                var values = (TValue[])_values.Clone();
                values[i] = value;
                return new SmallMap<TKey, TValue>(_keys, values, _comparer);
            }
            var keys = new TKey[_keys.Length + 1];
            var newValues = new TValue[_keys.Length + 1];
            Array.Copy(_keys, keys, _keys.Length);
            Array.Copy(_values, newValues, _keys.Length);
            keys[_keys.Length] = key;
            newValues[_keys.Length] = value;
            return new SmallMap<TKey, TValue>(keys, newValues, _comparer);
        }

        /// <summary>This map without <paramref name="key"/> (this map itself when the key is absent).</summary>
        [MethodImpl(JitOptions.Optimized)]
        public SmallMap<TKey, TValue> Remove(TKey key)
        {
            int i = IndexOf(key);
            if (i < 0)
                return this;
            if (_keys.Length == 1)
                return new SmallMap<TKey, TValue>(Array.Empty<TKey>(), Array.Empty<TValue>(), _comparer);
            var keys = new TKey[_keys.Length - 1];
            var values = new TValue[_keys.Length - 1];
            Array.Copy(_keys, 0, keys, 0, i);
            Array.Copy(_values, 0, values, 0, i);
            Array.Copy(_keys, i + 1, keys, i, _keys.Length - i - 1);
            Array.Copy(_values, i + 1, values, i, _keys.Length - i - 1);
            return new SmallMap<TKey, TValue>(keys, values, _comparer);
        }

        /// <summary>A builder starting from this map, for joins that add many entries at once.</summary>
        [MethodImpl(JitOptions.Optimized)]
        public Builder ToBuilder() => new Builder(this);

        [MethodImpl(JitOptions.Optimized)]
        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator() => GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        [MethodImpl(JitOptions.Optimized)]
        private int IndexOf(TKey key)
        {
            var keys = _keys;
            if (keys.Length > IndexThreshold)
            {
                var index = _index;
                if (index is null)
                {
                    index = new Dictionary<TKey, int>(keys.Length, _comparer);
                    for (int k = 0; k < keys.Length; k++)
                        index[keys[k]] = k;
                    _index = index; // benign race: every thread builds the same index
                }
                return index.TryGetValue(key, out int found) ? found : -1;
            }
            // Keys are mostly the very instances looked up again (cached ids, the symbols of one graph): a pass by
            // reference first spares the comparer's calls on the entries before the match (symbol equality is dear).
            for (int i = 0; i < keys.Length; i++)
            {
                if (ReferenceEquals(keys[i], key))
                    return i;
            }
            for (int i = 0; i < keys.Length; i++)
            {
                if (_comparer.Equals(keys[i], key))
                    return i;
            }
            return -1;
        }

        [MethodImpl(JitOptions.Optimized)]
        private static bool Same(TValue a, TValue b) =>
            a is null ? b is null : ReferenceEquals(a, b) || EqualityComparer<TValue>.Default.Equals(a, b);

        public struct Enumerator : IEnumerator<KeyValuePair<TKey, TValue>>
        {
            private readonly SmallMap<TKey, TValue> _map;
            private int _position;

            internal Enumerator(SmallMap<TKey, TValue> map)
            {
                _map = map;
                _position = -1;
            }

            public KeyValuePair<TKey, TValue> Current => new KeyValuePair<TKey, TValue>(_map._keys[_position], _map._values[_position]);

            object IEnumerator.Current => Current;

            [MethodImpl(JitOptions.Optimized)]
            public bool MoveNext() => ++_position < _map._keys.Length;

            [MethodImpl(JitOptions.Optimized)]
            public void Reset() => _position = -1;

            [MethodImpl(JitOptions.Optimized)]
            public void Dispose()
            {
            }
        }

        /// <summary>Accumulates entries and freezes them into a map once.</summary>
        public sealed class Builder
        {
            private readonly List<TKey> _keys;
            private readonly List<TValue> _values;
            private readonly IEqualityComparer<TKey> _comparer;

            internal Builder(SmallMap<TKey, TValue> start)
            {
                _keys = new List<TKey>(start._keys);
                _values = new List<TValue>(start._values);
                _comparer = start._comparer;
            }

            [MethodImpl(JitOptions.Optimized)]
            public bool ContainsKey(TKey key) => IndexOf(key) >= 0;

            public TValue this[TKey key]
            {
                set
                {
                    int i = IndexOf(key);
                    if (i >= 0)
                    {
                        _values[i] = value;
                        return;
                    }
                    _keys.Add(key);
                    _values.Add(value);
                }
            }

            [MethodImpl(JitOptions.Optimized)]
            public SmallMap<TKey, TValue> ToImmutable() =>
                _keys.Count == 0 ? Create(_comparer) : new SmallMap<TKey, TValue>(_keys.ToArray(), _values.ToArray(), _comparer);

            /// <summary>
            /// The built map, or <paramref name="original"/> itself when it has the same entries in the same order
            /// (values compared by reference): a join of two states that agree allocates no new map.
            /// </summary>
            [MethodImpl(JitOptions.Optimized)]
            public SmallMap<TKey, TValue> ToImmutable(SmallMap<TKey, TValue> original)
            {
                if (_keys.Count != original._keys.Length)
                    return ToImmutable();
                for (int i = 0; i < _keys.Count; i++)
                {
                    if (!ReferenceEquals(_values[i], original._values[i]) || !_comparer.Equals(_keys[i], original._keys[i]))
                        return ToImmutable();
                }
                return original;
            }

            [MethodImpl(JitOptions.Optimized)]
            private int IndexOf(TKey key)
            {
                for (int i = 0; i < _keys.Count; i++)
                {
                    if (ReferenceEquals(_keys[i], key) || _comparer.Equals(_keys[i], key))
                        return i;
                }
                return -1;
            }
        }
    }
}
