using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace PtLock.Analyzers.Engine
{
    /// <summary>One problem the engine found, reported by the analyzer that owns its rule ID.</summary>
    internal sealed class Finding
    {
        public Finding(string ruleId, Location location, object[] args, IEnumerable<Location>? additional = null, ImmutableDictionary<string, string?>? properties = null)
        {
            RuleId = ruleId;
            Location = location;
            Args = args;
            AdditionalLocations = additional is null ? ImmutableArray<Location>.Empty : ImmutableArray.CreateRange(additional);
            Properties = properties ?? ImmutableDictionary<string, string?>.Empty;
        }

        public string RuleId { get; }
        public Location Location { get; }
        public object[] Args { get; }
        public ImmutableArray<Location> AdditionalLocations { get; }
        public ImmutableDictionary<string, string?> Properties { get; }
    }
}
