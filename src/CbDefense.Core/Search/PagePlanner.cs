using System;

namespace CbDefense.Search
{
    /// <summary>One page request: 1-based start and rows.</summary>
    internal readonly struct PageRequest : IEquatable<PageRequest>
    {
        public PageRequest(long start, int rows) { Start = start; Rows = rows; }
        /// <summary>1-based index of the first row.</summary>
        public long Start { get; }
        public int Rows { get; }
        public bool Equals(PageRequest other) => Start == other.Start && Rows == other.Rows;
        public override bool Equals(object? obj) => obj is PageRequest p && Equals(p);
        public override int GetHashCode() => unchecked((int)Start * 397) ^ Rows;
        public override string ToString() => "start=" + Start + ", rows=" + Rows;
    }

    /// <summary>
    /// The arithmetic of v3 paging: skip/first (nullable = all), a small first page then full pages,
    /// start = skip + consumed + 1; stops when first is reached, when totalResults is consumed, or on an empty page.
    /// </summary>
    internal sealed class PagePlanner
    {
        /// <summary>
        /// Rows per request after the first page. Measured (build.ps1 Bench): 1,000-row pages enumerate as fast as
        /// 5,000-row pages and keep peak memory flat from 10,000 to 100,000 devices, because a page's objects die young;
        /// larger pages mean fewer requests against a rate-limited key. Callers may choose up to <see cref="MaximumDevicePageSize"/>.
        /// </summary>
        public const int DefaultPageSize = 1000;
        /// <summary>The v3 device route's cap on rows per request.</summary>
        public const int MaximumDevicePageSize = 5000;
        public const int DefaultFirstPageSize = 100;

        private readonly long _skip;
        private readonly long? _first;
        private readonly int _pageSize;
        private readonly int _firstPageSize;
        private bool _done;

        public PagePlanner(long skip = 0, long? first = null, int pageSize = DefaultPageSize, int? firstPageSize = null)
        {
            if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), "Skip must be 0 or more.");
            if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), "First must be 0 or more.");
            if (pageSize < 1) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 or more.");
            if (firstPageSize < 1) throw new ArgumentOutOfRangeException(nameof(firstPageSize), "FirstPageSize must be 1 or more.");
            _skip = skip;
            _first = first;
            _pageSize = pageSize;
            _firstPageSize = Math.Min(pageSize, firstPageSize ?? DefaultFirstPageSize);
            if (first == 0) _done = true;
        }

        public long Skip => _skip;
        public long? First => _first;
        public int PageSize => _pageSize;
        public int FirstPageSize => _firstPageSize;
        /// <summary>Rows handed to the caller so far.</summary>
        public long Consumed { get; private set; }
        /// <summary>Pages recorded so far.</summary>
        public int PageCount { get; private set; }
        /// <summary>The server's totalResults from the latest page (null before the first).</summary>
        public long? TotalResults { get; private set; }
        public bool IsComplete => _done;

        /// <summary>The next request, or false when done.</summary>
        public bool TryGetNext(out PageRequest request)
        {
            request = default;
            if (_done) return false;
            long rows = PageCount == 0 ? _firstPageSize : _pageSize;
            if (_first.HasValue) rows = Math.Min(rows, _first.Value - Consumed);
            if (TotalResults.HasValue) rows = Math.Min(rows, Math.Max(1, TotalResults.Value - _skip - Consumed));
            if (rows <= 0) { _done = true; return false; }
            request = new PageRequest(_skip + Consumed + 1, (int)rows);
            return true;
        }

        /// <summary>
        /// Records a page: <paramref name="returned"/> rows arrived (null = a null results list). Returns how many of them
        /// the caller should use (never more than First still needs).
        /// </summary>
        public int Record(int? returned, long? totalResults)
        {
            if (_done) return 0;
            PageCount++;
            if (totalResults.HasValue) TotalResults = totalResults;
            int n = returned ?? 0;
            if (n < 0) n = 0;
            if (_first.HasValue && n > _first.Value - Consumed) n = (int)(_first.Value - Consumed);
            Consumed += n;
            if (returned == null || returned.Value <= 0) _done = true;
            else if (_first.HasValue && Consumed >= _first.Value) _done = true;
            else if (TotalResults.HasValue && _skip + Consumed >= TotalResults.Value) _done = true;
            return n;
        }
    }
}
