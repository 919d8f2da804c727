using System.Collections;
using System.Diagnostics;

namespace McpFoundation.IntegrationTests.Infrastructure;

/// <summary>
/// The finished spans an in-memory exporter adds, safe to read while it adds: the activity source is process-wide, so
/// the spans of every gateway in the test process arrive here from their own threads. Tests read <see cref="Snapshot"/>.
/// </summary>
internal sealed class SpanCollection : ICollection<Activity>
{
    private readonly Lock _lock = new();
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>The spans finished so far, copied.</summary>
    public Activity[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }

    public void Add(Activity item)
    {
        lock (_lock)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_lock)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_lock)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_lock)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
