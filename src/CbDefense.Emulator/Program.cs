using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace CbDefense.Emulator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        EmulatorOptions options;
        try
        {
            options = EmulatorOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (options.Help)
        {
            Console.Out.WriteLine(EmulatorOptions.HelpText);
            return 0;
        }
        EmulatorHost host;
        try
        {
            host = await EmulatorHost.StartAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.IO.IOException or InvalidOperationException)
        {
            Console.Error.WriteLine("Could not start the emulator: " + e.Message);
            return 1;
        }
        await using (host.ConfigureAwait(false))
        {
            Console.Out.WriteLine("Now listening on: " + host.BaseUrl);
            Console.Out.Flush();
            var lifetime = host.App.Lifetime;
            if (options.ParentPid is int ppid)
            {
                _ = WatchParent(ppid, lifetime);
            }
            var done = new TaskCompletionSource();
            using (lifetime.ApplicationStopping.Register(() => done.TrySetResult()))
            {
                await done.Task.ConfigureAwait(false);
            }
        }
        return 0;
    }

    private static async Task WatchParent(int pid, IHostApplicationLifetime lifetime)
    {
        while (!lifetime.ApplicationStopping.IsCancellationRequested)
        {
            bool alive;
            try
            {
                using var p = Process.GetProcessById(pid);
                alive = !p.HasExited;
            }
            catch (ArgumentException)
            {
                alive = false;
            }
            catch (InvalidOperationException)
            {
                alive = false;
            }
            if (!alive)
            {
                Console.Error.WriteLine("Parent process " + pid + " has exited; stopping.");
                lifetime.StopApplication();
                return;
            }
            try
            {
                await Task.Delay(500, lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
