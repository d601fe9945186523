using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace CbDefense.Commands
{
    /// <summary>Runs when the module is imported and removed.</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport()
        {
            Session.DefaultResolver = s => ReferenceEquals(SessionRegistry.Default, s);
            DependencyResolver.Register();
        }

        public void OnRemove(PSModuleInfo module)
        {
            // Close every Live Response session the module opened (best effort, bounded), so none is left to fill the org's limit.
            CbDefense.Services.LiveResponse.LiveResponseManager.CloseEverything(CbDefense.Services.LiveResponse.LiveResponseManager.ShutdownLimit);
            DependencyResolver.Unregister();
        }
    }

    /// <summary>
    /// Loads the module's third-party dependencies (Newtonsoft.Json, System.Buffers) from its <c>dependencies</c>
    /// folder when the process cannot supply them, and answers for nobody else: only a request from one of the
    /// module's assemblies (CbDefense, CbDefense.Core, or a dependency it loaded), and only for a name in that folder
    /// at a version no higher than the file's. On PowerShell 7 the file goes into the module's own
    /// AssemblyLoadContext, so another module's copy in the default context and this one never meet; on Windows
    /// PowerShell 5.1 (no load contexts) it is loaded with LoadFrom, where strong-named versions sit side by side.
    /// When the host already has a compatible copy (pwsh ships Newtonsoft.Json 13, .NET ships System.Buffers), the
    /// runtime binds to it and this is never asked. See docs/architecture.md, "Dependencies".
    /// </summary>
    internal static class DependencyResolver
    {
        internal const string LoadContextName = "CbDefense";

        private static readonly Assembly Cmdlets = typeof(ModuleInitializer).Assembly;
        private static readonly Assembly Core = typeof(Session).Assembly;
        internal static readonly string Folder =
            Path.Combine(Path.GetDirectoryName(Cmdlets.Location) ?? ".", "dependencies");

        private static readonly object Gate = new object();
        // Simple name -> the file and its assembly name (read on the first request, so an import reads no file).
        private static Dictionary<string, (string Path, AssemblyName Name)>? s_shipped;
        // What this resolver loaded, by simple name: a second request gets the same copy.
        private static readonly Dictionary<string, Assembly> Loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
        // PowerShell 7: the module's load context; null on .NET Framework. Kept for the process (a re-import reuses it):
        // nothing can leave a non-collectible context, and it costs nothing until a file is loaded into it.
        private static readonly LoadContext? Context = LoadContext.TryCreate(LoadContextName);

        internal static void Register()
        {
            // A re-import (Import-Module -Force) must not add the handler twice.
            AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
            AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
        }

        internal static void Unregister() => AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args) =>
            Resolve(new AssemblyName(args.Name), args.RequestingAssembly);

        /// <summary>The file for <paramref name="name"/> if this module asked for it and ships it; otherwise null.</summary>
        internal static Assembly? Resolve(AssemblyName name, Assembly? requester)
        {
            // .NET always says who asks; .NET Framework may not (a load by name through reflection), and there the
            // name alone decides.
            bool ours = requester != null ? IsOurs(requester) : Context == null;
            if (!ours || name.Name == null || !Shipped().TryGetValue(name.Name, out var file)) return null;
            if (name.Version != null && file.Name.Version != null && name.Version > file.Name.Version) return null;
            byte[]? wantedKey = name.GetPublicKeyToken();
            if (wantedKey != null && wantedKey.Length > 0 && !SameBytes(wantedKey, file.Name.GetPublicKeyToken())) return null;

            lock (Gate)
            {
                if (Loaded.TryGetValue(name.Name, out var known)) return known;
                var assembly = Context != null ? Context.LoadFromAssemblyPath(file.Path) : Assembly.LoadFrom(file.Path);
                Loaded[name.Name] = assembly;
                return assembly;
            }
        }

        private static bool IsOurs(Assembly requester)
        {
            if (ReferenceEquals(requester, Cmdlets) || ReferenceEquals(requester, Core)) return true;
            lock (Gate) return Loaded.ContainsValue(requester);
        }

        private static Dictionary<string, (string Path, AssemblyName Name)> Shipped()
        {
            lock (Gate)
            {
                if (s_shipped != null) return s_shipped;
                var files = new Dictionary<string, (string Path, AssemblyName Name)>(StringComparer.OrdinalIgnoreCase);
                if (Directory.Exists(Folder))
                {
                    foreach (string path in Directory.GetFiles(Folder, "*.dll"))
                    {
                        var n = AssemblyName.GetAssemblyName(path);
                        if (n.Name != null) files[n.Name] = (path, n);
                    }
                }
                return s_shipped = files;
            }
        }

        private static bool SameBytes(byte[] a, byte[]? b)
        {
            if (b == null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        /// <summary>
        /// An AssemblyLoadContext reached through reflection: the type is in .NET (Core) only, and the cmdlet assembly
        /// is one netstandard2.0 build for both editions. Its constructor (name, isCollectible) and LoadFromAssemblyPath
        /// are public API since .NET Core 3.0, so PowerShell 7.0 and later all have them.
        /// </summary>
        private sealed class LoadContext
        {
            private readonly object _context;
            private readonly MethodInfo _loadFromAssemblyPath;

            private LoadContext(object context, MethodInfo loadFromAssemblyPath)
            {
                _context = context;
                _loadFromAssemblyPath = loadFromAssemblyPath;
            }

            internal static LoadContext? TryCreate(string name)
            {
                var type = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext");
                if (type == null) return null; // .NET Framework
                var constructor = type.GetConstructor(new[] { typeof(string), typeof(bool) });
                var load = type.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
                // Not expected on any .NET: then LoadFrom, as on .NET Framework, rather than failing the import.
                if (constructor == null || load == null) return null;
                return new LoadContext(constructor.Invoke(new object[] { name, false }), load);
            }

            internal Assembly LoadFromAssemblyPath(string path)
            {
                try
                {
                    return (Assembly)_loadFromAssemblyPath.Invoke(_context, new object[] { path });
                }
                catch (TargetInvocationException ex) when (ex.InnerException != null)
                {
                    ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                    throw;
                }
            }
        }
    }
}
