namespace Fabric.Persistence;

/// <summary>Writing state without leaving a lie in memory when storage fails.</summary>
internal static class PersistentStateExtensions
{
    /// <summary>
    /// Stores <paramref name="next"/> as the grain's state. When the write fails the previous state stays current, so
    /// the grain never answers from data that storage does not hold.
    /// </summary>
    public static async Task WriteAsync<T>(this IPersistentState<T> state, T next)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            throw;
        }
    }
}
