using System;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class ErrorMappingTests
    {
        private static async Task<T> Fail<T>(int status, string body, string mediaType = "application/json", HttpMethod? method = null) where T : Exception
        {
            var h = new FakeHandler(_ => FakeHandler.Text(status, body, mediaType));
            using var s = Fake.Session(h, o => o.MaximumRetryCount = 0);
            var ex = await Assert.ThrowsAsync<T>(() => s.GetClient().SendAsync(method ?? HttpMethod.Get, "/integrationServices/v3/device/5", null, null, null));
            Assert.DoesNotContain(Fake.Secret, ex.ToString());
            return ex;
        }

        [Fact]
        public async Task Status500IsServerErrorWithMessage()
        {
            var ex = await Fail<CbServerException>(500, "{\"success\":false,\"message\":\"Internal failure\"}");
            Assert.Equal(500, ex.StatusCode);
            Assert.Equal("Internal failure", ex.ServerMessage);
            Assert.Contains("Internal failure", ex.Message);
            Assert.Equal("GET", ex.Method);
            Assert.Equal("/integrationServices/v3/device/5", ex.RequestUri);
        }

        [Fact]
        public async Task MessagesArray()
        {
            var ex = await Fail<CbServerException>(500, "{\"success\":false,\"messages\":[\"one\",\"two\"]}");
            Assert.Equal("one; two", ex.ServerMessage);
        }

        [Fact]
        public async Task Status404()
        {
            var ex = await Fail<CbObjectNotFoundException>(404, "{\"success\":false,\"message\":\"Device not found\"}");
            Assert.Equal(404, ex.StatusCode);
            Assert.Contains("Device not found", ex.Message);
        }

        [Fact]
        public async Task Status401()
        {
            var ex = await Fail<CbUnauthorizedException>(401, "{\"success\": false, \"message\": \"User is not authenticated\"}");
            Assert.StartsWith("Check your API credentials: User is not authenticated", ex.Message);
        }

        [Fact]
        public async Task Status400QuerySyntax()
        {
            var ex = await Fail<CbQuerySyntaxException>(400, "{\"reason\":\"query_malformed_syntax\",\"message\":\"bad query\"}");
            Assert.Contains("bad query", ex.Message);
            Assert.Equal(400, ex.StatusCode);
        }

        [Theory]
        [InlineData(400)]
        [InlineData(403)]
        [InlineData(405)]
        [InlineData(409)]
        public async Task OtherClientErrors(int status)
        {
            var ex = await Fail<CbClientException>(status, "{\"error_code\":\"FORBIDDEN\",\"message\":\"nope\"}");
            Assert.Equal(status, ex.StatusCode);
            Assert.Equal("FORBIDDEN", ex.ErrorCode);
            Assert.Contains("FORBIDDEN: nope", ex.Message);
        }

        [Fact]
        public async Task Status429AfterRetriesIsClientError()
        {
            var ex = await Fail<CbClientException>(429, "{\"success\":false,\"message\":\"Too many requests\"}");
            Assert.Equal(429, ex.StatusCode);
            Assert.Contains("Too many requests", ex.Message);
        }

        [Fact]
        public async Task SuccessFalseOn200IsAnError()
        {
            var ex = await Fail<CbServerException>(200, "{\"success\":false,\"message\":\"Policy name already exists\"}", method: HttpMethod.Post);
            Assert.Equal(200, ex.StatusCode);
            Assert.Contains("Policy name already exists", ex.Message);
            Assert.Contains("success: false", ex.Message);
        }

        [Fact]
        public async Task ErrorMessageOn200IsAnError()
        {
            var ex = await Fail<CbServerException>(200, "{\"errorMessage\":\"Something broke\"}");
            Assert.Contains("Something broke", ex.Message);
            Assert.Equal("Something broke", ex.ServerMessage);
        }

        [Fact]
        public async Task HtmlProxyPageQuotesStatusAndBodyStart()
        {
            string html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>" + new string('x', 2000) + "</body></html>";
            var ex = await Fail<CbServerException>(502, html, "text/html");
            Assert.Equal(502, ex.StatusCode);
            Assert.Contains("502", ex.Message);
            // The page's title, not its markup; the start of the page stays in ResponseSnippet.
            Assert.Contains("an HTML page, not the API's JSON", ex.Message);
            Assert.Contains("\"502 Bad Gateway\"", ex.Message);
            Assert.DoesNotContain("<", ex.Message);
            Assert.NotNull(ex.ResponseSnippet);
            Assert.StartsWith("<html><head><title>502 Bad Gateway", ex.ResponseSnippet);
            Assert.True(ex.ResponseSnippet!.Length <= 510);
        }

        [Fact]
        public async Task HtmlOn200IsInvalidResponse()
        {
            var h = new FakeHandler(_ => FakeHandler.Text(200, "<html>login page</html>", "text/html"));
            using var s = Fake.Session(h, o => o.MaximumRetryCount = 1);
            var ex = await Assert.ThrowsAsync<CbInvalidResponseException>(() => s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Contains("200", ex.Message);
            Assert.Contains("an HTML page, not the API's JSON", ex.Message);
            Assert.Contains("\"login page\"", ex.Message);
            Assert.DoesNotContain("<html", ex.Message);
        }

        [Fact]
        public async Task TruncatedJsonIsInvalidResponseAndRetriedForGet()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":true,\"results\":[{\"a\":1},"));
            using var s = Fake.Session(h, o => o.MaximumRetryCount = 2);
            var log = new ListLog();
            var ex = await Assert.ThrowsAsync<CbInvalidResponseException>(() => s.GetClient().SendAsync(HttpMethod.Get, "/x", null, null, new CallContext(default, log)));
            Assert.Contains("truncated or malformed", ex.Message);
            Assert.Equal(3, h.Count);
            Assert.Contains(log.Messages, m => m.Contains("retry 1/2 of GET /x: invalid response"));
            await Assert.ThrowsAsync<CbInvalidResponseException>(() => s.GetClient().PostObjectAsync("/x", null, null));
            Assert.Equal(4, h.Count);
        }

        [Fact]
        public async Task DevicePageTruncatedThenGood()
        {
            int n = 0;
            var h = new FakeHandler(_ => ++n == 1 ? FakeHandler.Json(200, Fake.Page(2, new long[] { 1, 2 }).Substring(0, 60)) : FakeHandler.Json(200, Fake.Page(2, new long[] { 1, 2 })));
            using var s = Fake.Session(h);
            var page = await s.DevicePageAsync(null, 10);
            Assert.Equal(2, page.Devices.Count);
            Assert.Equal(2, h.Count);
        }

        [Fact]
        public async Task DevicePageSuccessFalse()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":false,\"message\":\"Search failed\",\"results\":[]}"));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbServerException>(() => s.DevicePageAsync(null, 10));
            Assert.Contains("Search failed", ex.Message);
        }

        [Fact]
        public async Task ServerEchoOfTheSecretIsRedacted()
        {
            var ex = await Fail<CbClientException>(403, "{\"message\":\"bad token " + Fake.Secret + "/" + Fake.ApiId + "\"}");
            Assert.DoesNotContain(Fake.Secret, ex.Message);
            Assert.DoesNotContain(Fake.Secret, ex.ServerMessage);
        }

        [Fact]
        public async Task DeviceNotFoundMentionsId()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(404, "{\"success\":false,\"message\":\"Device not found\"}"));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbObjectNotFoundException>(() => s.GetDeviceAsync(777));
            Assert.Contains("777", ex.Message);
            Assert.Equal(404, ex.StatusCode);
            Assert.Equal(1, h.Count);
        }
    }
}
