namespace CbDefense { internal static class Placeholder { } }
