using System;
using System.Threading.Tasks;

namespace CbDefense.Search
{
    /// <summary>
    /// A search that hands its results out page by page, each item as soon as it is parsed (the caller writes it while
    /// the rest of the page is still arriving). The next page is requested only when the caller asks for it, so a
    /// caller that stops (Select-Object -First) never causes a request for a page it will not write. Skip and First are
    /// applied here, after any filter the search applies on the client.
    /// </summary>
    internal abstract class PagedSearch<T> where T : class
    {
        protected PagedSearch(long skip, long? first)
        {
            if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), "Skip must be 0 or more.");
            if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), "First must be 0 or more.");
            Skip = skip;
            First = first;
            if (first == 0) IsComplete = true;
        }

        public long Skip { get; }
        public long? First { get; }
        /// <summary>What the server reported as the number of matches (null before the first page).</summary>
        public long? ServerTotal { get; protected set; }
        /// <summary>
        /// True when every match the server counts is a result (no filter applied on the client), so
        /// <see cref="ServerTotal"/> is the exact total; false when it is only an upper bound.
        /// </summary>
        public bool TotalIsExact { get; protected set; } = true;
        /// <summary>Items the server sent so far.</summary>
        public long Read { get; protected set; }
        /// <summary>Items that passed the client-side filters so far (skipped ones included).</summary>
        public long Matched { get; protected set; }
        /// <summary>Items handed to the caller so far.</summary>
        public long Written { get; private set; }
        public int RequestCount { get; protected set; }
        public bool IsComplete { get; protected set; }
        /// <summary>Why the filters or parameters are applied the way they are (for verbose output), or null.</summary>
        public string? Explanation { get; protected set; }

        /// <summary>
        /// How the search is going beyond the counts, for a progress bar (e.g. "time range split 3 times"), or null. A
        /// search whose way of reading is worth showing (ranges split, several server-side jobs) says so here, so the
        /// caller needs no knowledge of the search's type.
        /// </summary>
        public virtual string? ProgressNote => null;

        /// <summary>
        /// The number of items this search expects to read from the server, for a progress bar: the server's total,
        /// less what Skip and First leave out when that is known exactly. Null before the first page.
        /// </summary>
        public long? ExpectedReads
        {
            get
            {
                if (ServerTotal == null) return null;
                if (!TotalIsExact) return ServerTotal;
                long available = Math.Max(0, ServerTotal.Value - Skip);
                return First.HasValue ? Math.Min(available, First.Value) : available;
            }
        }

        /// <summary>
        /// Reads the next page, calling <paramref name="sink"/> for each result as it is parsed (on a thread-pool thread,
        /// in order). Returns false, without a request, when the search is complete.
        /// </summary>
        public async Task<bool> NextPageAsync(Action<T> sink, CallContext ctx)
        {
            if (sink == null) throw new ArgumentNullException(nameof(sink));
            if (IsComplete) return false;
            await ReadPageAsync(sink, ctx ?? CallContext.None).ConfigureAwait(false);
            return true;
        }

        /// <summary>Sends one page request and hands its results to <see cref="Offer"/>.</summary>
        protected abstract Task ReadPageAsync(Action<T> sink, CallContext ctx);

        /// <summary>
        /// Applies the client-side Skip and First to a result that passed the filters: hands it to the sink, or skips
        /// it. Returns false once First is reached (the search is then complete).
        /// </summary>
        protected bool Offer(T item, Action<T> sink)
        {
            if (IsComplete) return false;
            Matched++;
            if (ClientSkipsAndLimits && Matched <= Skip) return true;
            Written++;
            sink(item);
            if (First.HasValue && Written >= First.Value)
            {
                IsComplete = true;
                return false;
            }
            return true;
        }

        /// <summary>True when Skip and First are applied here rather than by the server's paging.</summary>
        protected virtual bool ClientSkipsAndLimits => !TotalIsExact;
    }
}

namespace CbDefense.Search
{
    /// <summary>
    /// What a page handed on before its request was retried (a reset or a cut-short body mid-page): the retried reply
    /// repeats the same rows, and those already handed on are skipped, by position when the rows are the same and by id
    /// when the data moved meanwhile. Duplicates the server itself sends in one reply are kept (be liberal).
    /// </summary>
    internal sealed class PageReplay<TId>
    {
        private readonly System.Collections.Generic.List<TId> _done = new System.Collections.Generic.List<TId>();
        private readonly System.Collections.Generic.HashSet<TId> _doneSet = new System.Collections.Generic.HashSet<TId>();
        private int _position;
        private int _previous;

        /// <summary>Called at the start of each attempt to read the page.</summary>
        public void NewAttempt()
        {
            _previous = _done.Count;
            _position = 0;
        }

        /// <summary>True when the row at the current position was not handed on by an earlier attempt.</summary>
        public bool IsNew(TId id)
        {
            int i = _position++;
            if (i < _previous)
            {
                if (System.Collections.Generic.EqualityComparer<TId>.Default.Equals(_done[i], id)) return false;
                if (_doneSet.Contains(id)) return false;
            }
            _done.Add(id);
            _doneSet.Add(id);
            return true;
        }
    }
}
