using System;
using System.Collections.Generic;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>A file or directory of a device's simulated file system.</summary>
internal sealed class VNode
{
    public VNode(string name, bool isDir, VNode? parent, StringComparer comparer)
    {
        Name = name;
        IsDir = isDir;
        Parent = parent;
        Children = isDir ? new SortedDictionary<string, VNode>(comparer) : null;
    }

    public string Name;
    public readonly bool IsDir;
    public VNode? Parent;
    public readonly SortedDictionary<string, VNode>? Children;
    public Blob Content = Blob.Empty;
    /// <summary>Epoch seconds.</summary>
    public long Created, Accessed, Written;
    public string[] Attributes = Array.Empty<string>();
    /// <summary>Opened exclusively by the system (pagefile.sys, registry hives): get/put/delete → ERROR_SHARING_VIOLATION.</summary>
    public bool Locked;
    /// <summary>Not writable by the sensor (system files owned by TrustedInstaller, the sensor's own files): delete/overwrite → ERROR_ACCESS_DENIED.</summary>
    public bool Protected;

    public long Size => IsDir ? 0 : Content.Length;
}

/// <summary>A parsed path: the chain of names from the root (the first is the drive, e.g. <c>C:</c>, on Windows).</summary>
internal sealed class LrPath
{
    public List<string> Segments = new();
    /// <summary>The text ended with a separator (<c>C:\TEMP\</c>).</summary>
    public bool TrailingSeparator;

    public bool IsRoot => Segments.Count <= 1;
    public string Leaf => Segments.Count == 0 ? "" : Segments[^1];

    public LrPath Parent()
    {
        var p = new LrPath { Segments = new List<string>(Segments) };
        if (p.Segments.Count > 0)
        {
            p.Segments.RemoveAt(p.Segments.Count - 1);
        }
        return p;
    }

    public LrPath Child(string name)
    {
        var p = new LrPath { Segments = new List<string>(Segments) };
        p.Segments.Add(name);
        return p;
    }
}

/// <summary>The file system of one device.</summary>
internal sealed class Vfs
{
    public Vfs(bool windows)
    {
        Windows = windows;
        Comparer = windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        Root = new VNode("", true, null, Comparer);
    }

    public bool Windows { get; }
    public StringComparer Comparer { get; }
    /// <summary>Windows: children are the drives ("C:", "D:"). Unix: the "/" directory.</summary>
    public VNode Root { get; }
    public char Separator => Windows ? '\\' : '/';

    /// <summary>Parses <paramref name="raw"/> against the current directory <paramref name="cwd"/>; null if it
    /// cannot be a path of this system (e.g. a UNC path, a drive that does not exist, an empty string).</summary>
    public LrPath? Parse(string raw, string cwd)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }
        var p = new LrPath();
        if (Windows)
        {
            string s = raw.Replace('/', '\\');
            if (s.StartsWith("\\\\", StringComparison.Ordinal) && !(s.Length > 4 && s[3] == ':'))
            {
                // \\server\share, \\?\ prefixes: not supported by the simulated sensor
                if (s.StartsWith("\\\\?\\", StringComparison.Ordinal) || s.StartsWith("\\\\.\\", StringComparison.Ordinal))
                {
                    s = s[4..];
                }
                else
                {
                    return null;
                }
            }
            p.TrailingSeparator = s.EndsWith('\\');
            string rest;
            if (s.Length >= 2 && s[1] == ':' && char.IsAsciiLetter(s[0]))
            {
                p.Segments.Add(char.ToUpperInvariant(s[0]) + ":");
                rest = s[2..];
                if (!rest.StartsWith('\\'))
                {
                    // "C:foo" relative to the drive's current directory: take the drive root
                    rest = "\\" + rest;
                }
            }
            else if (s.StartsWith('\\'))
            {
                var c = Parse(cwd, "C:\\")!;
                p.Segments.Add(c.Segments[0]);
                rest = s;
            }
            else
            {
                var c = Parse(cwd, "C:\\")!;
                p.Segments.AddRange(c.Segments);
                rest = "\\" + s;
            }
            if (!Root.Children!.ContainsKey(p.Segments[0]))
            {
                return null;
            }
            AddSegments(p, rest.Split('\\'));
        }
        else
        {
            p.TrailingSeparator = raw.EndsWith('/') && raw.Length > 1;
            p.Segments.Add("/");
            if (raw.StartsWith('/'))
            {
                AddSegments(p, raw.Split('/'));
            }
            else
            {
                var c = Parse(cwd, "/")!;
                p.Segments.AddRange(c.Segments.GetRange(1, c.Segments.Count - 1));
                AddSegments(p, raw.Split('/'));
            }
        }
        return p;
    }

    private void AddSegments(LrPath p, string[] parts)
    {
        foreach (string part0 in parts)
        {
            string part = Windows ? part0.TrimEnd(' ') : part0;
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (p.Segments.Count > 1)
                {
                    p.Segments.RemoveAt(p.Segments.Count - 1);
                }
                continue;
            }
            p.Segments.Add(part);
        }
    }

    public VNode? Find(LrPath path)
    {
        VNode? n = Root;
        foreach (string seg in path.Segments)
        {
            if (n == null || !n.IsDir || !n.Children!.TryGetValue(seg, out n))
            {
                return null;
            }
        }
        return n;
    }

    public VNode? Find(string raw, string cwd)
    {
        var p = Parse(raw, cwd);
        return p == null ? null : Find(p);
    }

    /// <summary>The canonical text of a node's path (names as stored, e.g. <c>C:\Windows\System32\cmd.exe</c>).</summary>
    public string PathOf(VNode node)
    {
        var names = new List<string>();
        for (var n = node; n != null && n != Root; n = n.Parent)
        {
            names.Add(n.Name);
        }
        names.Reverse();
        if (Windows)
        {
            if (names.Count == 1)
            {
                return names[0] + "\\";
            }
            return string.Join('\\', names);
        }
        if (names.Count <= 1)
        {
            return "/";
        }
        return "/" + string.Join('/', names.GetRange(1, names.Count - 1));
    }

    public string Text(LrPath p)
    {
        if (Windows)
        {
            return p.Segments.Count == 1 ? p.Segments[0] + "\\" : string.Join('\\', p.Segments);
        }
        return p.Segments.Count <= 1 ? "/" : "/" + string.Join('/', p.Segments.GetRange(1, p.Segments.Count - 1));
    }

    /// <summary>Creates (or returns) the directory at a path given as names below the root, making parents.</summary>
    public VNode MkdirAll(string path, long time)
    {
        var p = Parse(path, Windows ? "C:\\" : "/") ?? throw new ArgumentException("bad seed path " + path);
        VNode n = Root;
        foreach (string seg in p.Segments)
        {
            if (!n.Children!.TryGetValue(seg, out var child))
            {
                child = new VNode(seg, true, n, Comparer) { Created = time, Accessed = time, Written = time, Attributes = new[] { "DIRECTORY" } };
                n.Children[seg] = child;
            }
            n = child;
        }
        return n;
    }

    public VNode AddFile(VNode dir, string name, Blob content, long time, params string[] attributes)
    {
        var f = new VNode(name, false, dir, Comparer)
        {
            Content = content,
            Created = time,
            Accessed = time,
            Written = time,
            Attributes = attributes.Length == 0 ? new[] { "ARCHIVE" } : attributes,
        };
        dir.Children![name] = f;
        return f;
    }

    public void Remove(VNode node)
    {
        node.Parent?.Children!.Remove(node.Name);
        node.Parent = null;
    }

    /// <summary>Wildcard match as FindFirstFile does it: <c>*</c> any run, <c>?</c> one character;
    /// <c>*.*</c> matches every name (also names without a dot).</summary>
    public bool Matches(string pattern, string name)
    {
        if (Windows && (pattern == "*.*" || pattern == "*"))
        {
            return true;
        }
        var cmp = Windows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return Glob(pattern.AsSpan(), name.AsSpan(), cmp);
    }

    private static bool Glob(ReadOnlySpan<char> p, ReadOnlySpan<char> s, StringComparison cmp)
    {
        int pi = 0, si = 0, star = -1, mark = 0;
        while (si < s.Length)
        {
            if (pi < p.Length && (p[pi] == '?' || (p[pi] != '*' && p.Slice(pi, 1).Equals(s.Slice(si, 1), cmp))))
            {
                pi++;
                si++;
            }
            else if (pi < p.Length && p[pi] == '*')
            {
                star = pi++;
                mark = si;
            }
            else if (star >= 0)
            {
                pi = star + 1;
                si = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (pi < p.Length && p[pi] == '*')
        {
            pi++;
        }
        return pi == p.Length;
    }

    /// <summary>A drive (Windows, "C:") or the root directory (Unix, "/").</summary>
    public VNode AddDrive(string name, long time)
    {
        var n = new VNode(name, true, Root, Comparer) { Created = time, Accessed = time, Written = time, Attributes = new[] { "DIRECTORY" } };
        Root.Children![name] = n;
        return n;
    }

    public static bool HasWildcard(string s) => s.IndexOfAny(new[] { '*', '?' }) >= 0;

    /// <summary>Every node below (and including) <paramref name="start"/>, depth first, in name order.</summary>
    public IEnumerable<VNode> Walk(VNode start)
    {
        var stack = new Stack<VNode>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            if (n.IsDir)
            {
                var kids = new List<VNode>(n.Children!.Values);
                for (int i = kids.Count - 1; i >= 0; i--)
                {
                    stack.Push(kids[i]);
                }
            }
        }
    }
}
