namespace CbDefense.Commands { internal static class Placeholder { } }
