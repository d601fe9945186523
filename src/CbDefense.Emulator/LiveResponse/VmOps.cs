using System;
using System.Collections.Generic;
using System.Linq;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>The sensor's file, process and registry operations, with the Win32 errors a real sensor reports.</summary>
internal sealed partial class VirtualMachine
{
    // ------------------------------------------------------------------ files

    /// <summary>FindFirstFile semantics: <c>C:\TEMP\</c> (trailing separator) and <c>C:\TEMP\*</c> list the folder,
    /// with <c>.</c> and <c>..</c> except at a drive root; <c>C:\TEMP\*.log</c> lists the matches;
    /// <c>C:\TEMP</c> (no separator, no wildcard) describes the folder itself.</summary>
    public LrError? ListDirectory(string raw, out List<DirEntry> entries)
    {
        entries = new List<DirEntry>();
        var p = Fs.Parse(raw, Cwd);
        if (p == null)
        {
            return Hr.PathNotFound;
        }
        LrPath dirPath;
        string pattern;
        if (p.TrailingSeparator || p.IsRoot)
        {
            dirPath = p;
            pattern = "*";
        }
        else
        {
            dirPath = p.Parent();
            pattern = p.Leaf;
        }
        var dir = Fs.Find(dirPath);
        if (dir == null)
        {
            return Hr.PathNotFound;
        }
        if (!dir.IsDir)
        {
            return Hr.Directory;
        }
        bool root = dir.Parent == Fs.Root;
        if (!root && Fs.Matches(pattern, "."))
        {
            entries.Add(Entry(".", dir));
            entries.Add(Entry("..", dir.Parent!));
        }
        foreach (var child in dir.Children!.Values)
        {
            if (Vfs.HasWildcard(pattern) ? Fs.Matches(pattern, child.Name) : Fs.Comparer.Equals(pattern, child.Name))
            {
                entries.Add(Entry(child.Name, child));
            }
        }
        return entries.Count == 0 ? Hr.FileNotFound : null;
    }

    private static DirEntry Entry(string name, VNode n) => new(name, n.Attributes, n.Size, n.Created, n.Accessed, n.Written);

    /// <summary>The file at <paramref name="raw"/> for reading; a folder → ERROR_ACCESS_DENIED, a file in use →
    /// ERROR_SHARING_VIOLATION.</summary>
    public LrError? OpenFile(string raw, long time, out VNode? file)
    {
        file = null;
        var p = Fs.Parse(raw, Cwd);
        if (p == null)
        {
            return Hr.PathNotFound;
        }
        if (Vfs.HasWildcard(p.Leaf))
        {
            return Hr.InvalidName;
        }
        var n = Fs.Find(p);
        if (n == null)
        {
            return Fs.Find(p.Parent()) is { IsDir: true } ? Hr.FileNotFound : Hr.PathNotFound;
        }
        if (n.IsDir)
        {
            return Hr.AccessDenied;
        }
        if (n.Locked)
        {
            return Hr.SharingViolation;
        }
        n.Accessed = time;
        file = n;
        return null;
    }

    /// <summary>Creates or (with <paramref name="overwrite"/>) replaces a file; an existing file without overwrite →
    /// ERROR_FILE_EXISTS (the sensor opens with CREATE_NEW).</summary>
    public LrError? WriteFile(string raw, Blob content, bool overwrite, long time)
    {
        var p = Fs.Parse(raw, Cwd);
        if (p == null)
        {
            return Hr.PathNotFound;
        }
        if (p.IsRoot)
        {
            return Hr.AccessDenied;
        }
        if (Vfs.HasWildcard(p.Leaf))
        {
            return Hr.InvalidName;
        }
        var dir = Fs.Find(p.Parent());
        if (dir == null || !dir.IsDir)
        {
            return Hr.PathNotFound;
        }
        if (dir.Children!.TryGetValue(p.Leaf, out var existing))
        {
            if (existing.IsDir)
            {
                return Hr.AccessDenied;
            }
            if (existing.Locked)
            {
                return Hr.SharingViolation;
            }
            if (existing.Protected || RunningImage(existing))
            {
                return Hr.AccessDenied;
            }
            if (!overwrite)
            {
                return Hr.FileExists;
            }
            existing.Content = content;
            existing.Written = time;
            existing.Accessed = time;
            return null;
        }
        Fs.AddFile(dir, p.Leaf, content, time);
        return null;
    }

    /// <summary>Deletes a file, or an empty folder; a folder with entries → ERROR_DIR_NOT_EMPTY.</summary>
    public LrError? DeleteFile(string raw)
    {
        var p = Fs.Parse(raw, Cwd);
        if (p == null)
        {
            return Hr.PathNotFound;
        }
        if (p.IsRoot)
        {
            return Hr.AccessDenied;
        }
        if (Vfs.HasWildcard(p.Leaf))
        {
            return Hr.InvalidName;
        }
        var n = Fs.Find(p);
        if (n == null)
        {
            return Fs.Find(p.Parent()) is { IsDir: true } ? Hr.FileNotFound : Hr.PathNotFound;
        }
        if (n.Locked)
        {
            return Hr.SharingViolation;
        }
        if (n.Protected || RunningImage(n))
        {
            return Hr.AccessDenied;
        }
        if (n.IsDir && n.Children!.Count > 0)
        {
            return Hr.DirNotEmpty;
        }
        Fs.Remove(n);
        return null;
    }

    /// <summary>Windows keeps the image of a running process open: it cannot be deleted or replaced.</summary>
    private bool RunningImage(VNode n)
    {
        if (!Windows || n.IsDir)
        {
            return false;
        }
        string path = Fs.PathOf(n);
        return Processes.Any(p => string.Equals(p.Path, path, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>CreateDirectory: the parent must exist; an existing name → ERROR_ALREADY_EXISTS.</summary>
    public LrError? CreateDirectory(string raw, long time)
    {
        var p = Fs.Parse(raw, Cwd);
        if (p == null)
        {
            return Hr.PathNotFound;
        }
        if (p.IsRoot)
        {
            return Hr.AlreadyExists;
        }
        if (Vfs.HasWildcard(p.Leaf))
        {
            return Hr.InvalidName;
        }
        var dir = Fs.Find(p.Parent());
        if (dir == null || !dir.IsDir)
        {
            return Hr.PathNotFound;
        }
        if (dir.Children!.ContainsKey(p.Leaf))
        {
            return Hr.AlreadyExists;
        }
        var n = new VNode(p.Leaf, true, dir, Fs.Comparer) { Created = time, Accessed = time, Written = time, Attributes = new[] { "DIRECTORY" } };
        dir.Children[p.Leaf] = n;
        dir.Written = time;
        return null;
    }

    // ------------------------------------------------------------------ processes

    public List<ProcInfo> ListProcesses() => Processes
        .Select(p => new ProcInfo(p.Pid, p.CreateTime, p.Guid, p.Path, p.CommandLine, p.Sid, p.Username, p.ParentPid, ParentGuid(p)))
        .ToList();

    /// <summary>TerminateProcess: an unknown pid → ERROR_INVALID_PARAMETER (OpenProcess's answer, and what real
    /// sensors report: 0x80070057); a critical or protected process → ERROR_ACCESS_DENIED.</summary>
    public LrError? Kill(int pid)
    {
        var p = Process(pid);
        if (p == null)
        {
            return Hr.InvalidParameter;
        }
        if (p.Protected)
        {
            return Hr.AccessDenied;
        }
        Processes.Remove(p);
        return null;
    }

    // ------------------------------------------------------------------ registry

    private (RegKey Root, List<string> Names)? RegPath(string raw) => Registry!.Split(raw);

    public LrError? EnumKey(string raw, out List<string> subKeys, out List<RegValue> values)
    {
        subKeys = new List<string>();
        values = new List<RegValue>();
        var sp = RegPath(raw);
        var k = sp == null ? null : Registry!.Find(sp.Value.Root, sp.Value.Names);
        if (k == null)
        {
            return Hr.FileNotFound;
        }
        subKeys.AddRange(k.SubKeys.Values.Select(x => x.Name));
        values.AddRange(k.Values.Select(v => v.Clone()));
        return null;
    }

    private (RegKey? Key, string Name)? ValuePath(string raw)
    {
        var sp = RegPath(raw);
        if (sp == null || sp.Value.Names.Count == 0)
        {
            return null;
        }
        var names = sp.Value.Names;
        return (Registry!.Find(sp.Value.Root, names.Take(names.Count - 1)), names[^1]);
    }

    public LrError? QueryValue(string raw, out RegValue? value)
    {
        value = null;
        var vp = ValuePath(raw);
        var v = vp?.Key?.Value(vp.Value.Name);
        if (v == null)
        {
            return Hr.FileNotFound;
        }
        value = v.Clone();
        return null;
    }

    /// <summary>reg set value: the key must exist; an existing value without overwrite → ERROR_ALREADY_EXISTS.</summary>
    public LrError? SetValue(string raw, string type, object data, bool overwrite)
    {
        var vp = ValuePath(raw);
        if (vp?.Key is not RegKey key)
        {
            return Hr.FileNotFound;
        }
        if (key.Protected)
        {
            return Hr.AccessDenied;
        }
        if (key.Value(vp.Value.Name) != null && !overwrite)
        {
            return Hr.AlreadyExists;
        }
        key.Set(vp.Value.Name, type, data);
        return null;
    }

    /// <summary>RegCreateKeyEx: makes missing parents too; an existing key is fine.</summary>
    public LrError? CreateKey(string raw)
    {
        var sp = RegPath(raw);
        if (sp == null)
        {
            return Hr.FileNotFound;
        }
        var k = sp.Value.Root;
        foreach (var n in sp.Value.Names)
        {
            if (!k.SubKeys.TryGetValue(n, out var next))
            {
                if (k.Protected)
                {
                    return Hr.AccessDenied;
                }
                next = k.Sub(n);
            }
            k = next;
        }
        return null;
    }

    /// <summary>RegDeleteKey: a key with sub keys → ERROR_ACCESS_DENIED, as Windows answers.</summary>
    public LrError? DeleteKey(string raw)
    {
        var sp = RegPath(raw);
        if (sp == null)
        {
            return Hr.FileNotFound;
        }
        if (sp.Value.Names.Count == 0)
        {
            return Hr.AccessDenied;
        }
        var k = Registry!.Find(sp.Value.Root, sp.Value.Names);
        if (k == null)
        {
            return Hr.FileNotFound;
        }
        if (k.Protected || k.SubKeys.Count > 0)
        {
            return Hr.AccessDenied;
        }
        k.Parent!.SubKeys.Remove(k.Name);
        return null;
    }

    public LrError? DeleteValue(string raw)
    {
        var vp = ValuePath(raw);
        if (vp?.Key is not RegKey key)
        {
            return Hr.FileNotFound;
        }
        var v = key.Value(vp.Value.Name);
        if (v == null)
        {
            return Hr.FileNotFound;
        }
        if (key.Protected)
        {
            return Hr.AccessDenied;
        }
        key.Values.Remove(v);
        return null;
    }
}
