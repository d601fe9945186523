using System.Collections.Generic;
using CbDefense.Search;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class PagePlannerTests
    {
        /// <summary>Simulates a server of <paramref name="total"/> rows with a row cap.</summary>
        private static List<PageRequest> Run(PagePlanner p, long total, int cap = 5000, List<long>? consumedRows = null)
        {
            var reqs = new List<PageRequest>();
            while (p.TryGetNext(out var r))
            {
                reqs.Add(r);
                Assert.True(reqs.Count < 10000);
                long first0 = r.Start - 1;
                int n = (int)System.Math.Max(0, System.Math.Min(System.Math.Min(r.Rows, cap), total - first0));
                int use = p.Record(n, total);
                for (int i = 0; i < use; i++) consumedRows?.Add(first0 + i);
            }
            return reqs;
        }

        [Fact]
        public void AllRowsSmallFirstPageThenFullPages()
        {
            var rows = new List<long>();
            var reqs = Run(new PagePlanner(pageSize: 5000), 12000, consumedRows: rows);
            Assert.Equal(new[] { new PageRequest(1, 100), new PageRequest(101, 5000), new PageRequest(5101, 5000), new PageRequest(10101, 1900) }, reqs);
            Assert.Equal(12000, rows.Count);
            for (int i = 0; i < rows.Count; i++) Assert.Equal(i, rows[i]);
        }

        [Fact]
        public void SkipAndFirst()
        {
            var rows = new List<long>();
            var reqs = Run(new PagePlanner(skip: 10, first: 250, pageSize: 100, firstPageSize: 20), 1000, consumedRows: rows);
            Assert.Equal(new[] { new PageRequest(11, 20), new PageRequest(31, 100), new PageRequest(131, 100), new PageRequest(231, 30) }, reqs);
            Assert.Equal(250, rows.Count);
            Assert.Equal(10, rows[0]);
            Assert.Equal(259, rows[249]);
        }

        [Fact]
        public void FirstOneSendsOneRequestForOneRow()
        {
            var reqs = Run(new PagePlanner(first: 1), 100000);
            Assert.Equal(new[] { new PageRequest(1, 1) }, reqs);
        }

        [Fact]
        public void FirstZeroSendsNothing()
        {
            Assert.Empty(Run(new PagePlanner(first: 0), 10));
        }

        [Fact]
        public void SkipBeyondTotalStopsAfterEmptyPage()
        {
            var p = new PagePlanner(skip: 50);
            var reqs = Run(p, 10);
            Assert.Single(reqs);
            Assert.Equal(51, reqs[0].Start);
            Assert.Equal(0, p.Consumed);
        }

        [Fact]
        public void EmptyCollection()
        {
            var p = new PagePlanner();
            Assert.Single(Run(p, 0));
            Assert.True(p.IsComplete);
            Assert.Equal(0, p.TotalResults);
        }

        [Fact]
        public void StopsOnEmptyPageEvenIfTotalSaysMore()
        {
            var p = new PagePlanner(pageSize: 10, firstPageSize: 10);
            Assert.True(p.TryGetNext(out var r1));
            Assert.Equal(10, p.Record(10, 100));
            Assert.True(p.TryGetNext(out var r2));
            Assert.Equal(11, r2.Start);
            Assert.Equal(0, p.Record(0, 100));
            Assert.False(p.TryGetNext(out _));
        }

        [Fact]
        public void StopsOnNullPage()
        {
            var p = new PagePlanner();
            Assert.True(p.TryGetNext(out _));
            p.Record(null, null);
            Assert.False(p.TryGetNext(out _));
        }

        [Fact]
        public void ServerCapSmallerThanPageSizeStillGetsEverything()
        {
            var rows = new List<long>();
            Run(new PagePlanner(pageSize: 5000), 7000, cap: 1000, consumedRows: rows);
            Assert.Equal(7000, rows.Count);
            Assert.Equal(6999, rows[6999]);
        }

        [Fact]
        public void ServerSendingTooManyRowsIsTrimmedToFirst()
        {
            var p = new PagePlanner(first: 5);
            Assert.True(p.TryGetNext(out var r));
            Assert.Equal(5, r.Rows);
            Assert.Equal(5, p.Record(20, 100));
            Assert.False(p.TryGetNext(out _));
        }

        [Fact]
        public void FirstPageSizeNeverExceedsPageSize()
        {
            var p = new PagePlanner(pageSize: 30);
            Assert.Equal(30, p.FirstPageSize);
            Assert.True(p.TryGetNext(out var r));
            Assert.Equal(30, r.Rows);
        }

        [Fact]
        public void NeverAsksBeyondTotal()
        {
            var reqs = Run(new PagePlanner(pageSize: 100, firstPageSize: 10), 150);
            Assert.Equal(new[] { new PageRequest(1, 10), new PageRequest(11, 100), new PageRequest(111, 40) }, reqs);
        }

        [Fact]
        public void InvalidArguments()
        {
            Assert.Throws<System.ArgumentOutOfRangeException>(() => new PagePlanner(skip: -1));
            Assert.Throws<System.ArgumentOutOfRangeException>(() => new PagePlanner(first: -1));
            Assert.Throws<System.ArgumentOutOfRangeException>(() => new PagePlanner(pageSize: 0));
        }
    }
}
