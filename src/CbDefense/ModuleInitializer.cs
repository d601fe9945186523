using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CbDefense.Commands
{
    /// <summary>
    /// On Windows PowerShell 5.1 (.NET Framework) there are no binding redirects for a module, so the netstandard2.0
    /// dependencies shipped beside the module (System.Memory, System.Runtime.CompilerServices.Unsafe,
    /// Microsoft.Extensions.*) can ask for a version other than the one in the folder. This resolves such requests to
    /// the copy in the module folder. PowerShell 7 needs nothing: its load context already prefers the higher version.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".";
        private static readonly bool IsNetFramework =
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        public void OnImport()
        {
            Session.DefaultResolver = s => ReferenceEquals(SessionRegistry.Default, s);
            if (IsNetFramework) AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        public void OnRemove(PSModuleInfo module)
        {
            // Close every Live Response session the module opened (best effort, bounded), so none is left to fill the org's limit.
            CbDefense.Services.LiveResponse.LiveResponseManager.CloseEverything(CbDefense.Services.LiveResponse.LiveResponseManager.ShutdownLimit);
            if (IsNetFramework) AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            if (name.Name == null) return null;
            string candidate = Path.Combine(ModuleFolder, name.Name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
