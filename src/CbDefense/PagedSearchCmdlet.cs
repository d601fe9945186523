using System;
using System.Collections.Generic;
using System.Globalization;
using CbDefense.Search;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of the cmdlets that write a Core search (SupportsPaging): -Skip and -First as Core takes them, each result
    /// written as soon as it arrives, -IncludeTotalCount written before the results (those that came first are held
    /// until the total is known), a progress bar, and a failure as a terminating error after what was already read.
    /// </summary>
    public abstract class PagedSearchCmdlet<T> : CbSessionCmdlet where T : class
    {
        /// <summary>-Skip (0 when not given).</summary>
        internal long PagingSkip => (long)Math.Min(PagingParameters.Skip, long.MaxValue);

        /// <summary>-First, or null when not given.</summary>
        internal long? PagingFirst => PagingParameters.First == ulong.MaxValue ? (long?)null : (long)Math.Min(PagingParameters.First, long.MaxValue);

        /// <summary>True when -First, -Skip or -IncludeTotalCount was given.</summary>
        internal bool PagingRequested => PagingFirst.HasValue || PagingSkip > 0 || PagingParameters.IncludeTotalCount;

        /// <summary>
        /// Runs the search to the end (or until the pipeline stops), one request per step. <paramref name="afterStep"/> runs
        /// on the pipeline thread after each (to show how a job is doing); the progress text shows the search's own
        /// <see cref="PagedSearch{T}.ProgressNote"/>.
        /// </summary>
        internal void WriteSearch(PagedSearch<T> search, PagedProgress<T> progress, string noun, string errorId, object? target,
                                  Action? afterStep = null)
        {
            if (search.Explanation != null) WriteVerbose(search.Explanation);
            bool holding = PagingParameters.IncludeTotalCount;
            var held = new List<T>();
            void Release()
            {
                if (!holding) return;
                holding = false;
                WriteTotal(search, noun);
                foreach (var item in held) WriteObject(item);
                held.Clear();
            }
            try
            {
                while (!search.IsComplete)
                {
                    try
                    {
                        RunStreaming<T, bool>((ctx, sink) => search.NextPageAsync(sink, ctx), item =>
                        {
                            if (holding) held.Add(item);
                            else WriteObject(item);
                        });
                    }
                    catch (Exception ex) when (IsReportable(ex))
                    {
                        progress.Complete();
                        Release();
                        ThrowCbError(ex, errorId, target);
                        return;
                    }
                    if (search.ServerTotal.HasValue || search.IsComplete) Release();
                    afterStep?.Invoke();
                    progress.Update(search);
                }
                Release();
            }
            finally
            {
                progress.Complete();
            }
        }

        private void WriteTotal(PagedSearch<T> search, string noun)
        {
            if (!search.ServerTotal.HasValue) return;
            if (!search.TotalIsExact)
                WriteVerbose("The server matched " + search.ServerTotal.Value.ToString("N0", CultureInfo.InvariantCulture) + " " + noun +
                             " before the filters applied on the client; the number of results is not known in advance.");
            WriteObject(PagingParameters.NewTotalCount((ulong)Math.Max(0, search.ServerTotal.Value), search.TotalIsExact ? 1.0 : 0.0));
        }
    }
}
