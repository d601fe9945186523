using System;
using System.Globalization;
using CbDefense.Search;

namespace CbDefense.Services
{
    /// <summary>Observations: the current API's search jobs (the legacy generation has the v3 events instead).</summary>
    internal interface IObservationService
    {
        /// <summary>
        /// A search: one or more search jobs, each waited for (at most <paramref name="jobTimeout"/>) and paged by
        /// <paramref name="pageSize"/> rows. A query it cannot send is an ArgumentException, before any request.
        /// </summary>
        ObservationSearch Search(ObservationQuery query, long skip, long? first, int pageSize, TimeSpan jobTimeout);
    }

    /// <summary>
    /// A search that runs as server-side jobs: each call of <see cref="PagedSearch{T}.NextPageAsync"/> sends one request
    /// (submit a job, poll it once, or read a page of its results), so the caller can show how the job is doing between calls.
    /// </summary>
    internal abstract class ObservationSearch : PagedSearch<Observation>
    {
        protected ObservationSearch(long skip, long? first) : base(skip, first) { }

        /// <summary>True while a submitted job has not finished (<see cref="Completed"/> of <see cref="Contacted"/> searchers).</summary>
        public bool Waiting { get; protected set; }
        /// <summary>The searchers the running job contacted (0 until the server has started it).</summary>
        public long Contacted { get; protected set; }
        public long Completed { get; protected set; }
        /// <summary>The jobs submitted so far (more than one when the matches exceed what one job returns).</summary>
        public int JobCount { get; protected set; }

        public override string? ProgressNote => JobCount > 1 ? JobCount.ToString(CultureInfo.CurrentCulture) + " search jobs" : null;
    }
}
