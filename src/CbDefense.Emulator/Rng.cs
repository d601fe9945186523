
namespace CbDefense.Emulator;

/// <summary>Small deterministic PRNG (SplitMix64). Never use Random.Shared for seeded data.</summary>
internal sealed class Rng
{
    private ulong _state;

    public Rng(long seed, string stream = "")
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in stream)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        _state = (ulong)seed ^ h ^ 0x9E3779B97F4A7C15UL;
    }

    public ulong NextU64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public int Next(int maxExclusive) => maxExclusive <= 1 ? 0 : (int)(NextU64() % (ulong)maxExclusive);

    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public long NextLong(long maxExclusive) => maxExclusive <= 1 ? 0 : (long)(NextU64() % (ulong)maxExclusive);

    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    private const string HexChars = "0123456789abcdef";

    public string Hex(int chars, bool upper = false)
    {
        return string.Create(chars, this, (span, rng) =>
        {
            ulong bits = 0;
            int left = 0;
            for (int i = 0; i < span.Length; i++)
            {
                if (left == 0)
                {
                    bits = rng.NextU64();
                    left = 16;
                }
                char c = HexChars[(int)(bits & 0xF)];
                span[i] = upper ? char.ToUpperInvariant(c) : c;
                bits >>= 4;
                left--;
            }
        });
    }

    public static long SeedFromString(string s)
    {
        if (long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v))
        {
            return v;
        }
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return (long)h;
    }
}
