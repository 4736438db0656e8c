using Fabric.Jobs;
using Fabric.Worker.Jobs;
using FabricChunk = Fabric.Jobs.LogChunk;

namespace Fabric.Worker.Tests.Jobs;

public sealed class RankOutboxTests
{
    private readonly FakeJobLog _job = new();

    private static FabricChunk Chunk(long sequence) =>
        new() { Sequence = sequence, Rank = 0, Stream = OutputSource.Stdout, Text = $"{sequence}\n", At = DateTimeOffset.UnixEpoch };

    private RankOutbox Outbox(int capacity = 256) => new(_job.SendAsync, capacity, TimeProvider.System);

    [Fact]
    public async Task Output_the_job_took_but_lost_with_its_silo_is_sent_again_to_its_next_activation()
    {
        var outbox = Outbox();
        await outbox.SendAsync(Chunk(0), TestContext.Current.CancellationToken);
        await outbox.SendAsync(Chunk(1), TestContext.Current.CancellationToken);
        _job.Store();
        await outbox.SendAsync(Chunk(2), TestContext.Current.CancellationToken);
        await outbox.SendAsync(Chunk(3), TestContext.Current.CancellationToken);

        _job.Crash(); // 2 and 3 were held, not stored
        await outbox.SendAsync(Chunk(4), TestContext.Current.CancellationToken);

        Assert.Equal("0\n1\n2\n3\n4\n", _job.Text);
        Assert.Equal(3, outbox.Unstored);
    }

    [Fact]
    public async Task A_flush_leaves_nothing_unstored_and_a_quiet_rank_s_lost_output_comes_back_with_it()
    {
        var outbox = Outbox();
        await outbox.SendAsync(Chunk(0), TestContext.Current.CancellationToken);
        _job.Crash();

        await outbox.ResendAsync(flush: true, TestContext.Current.CancellationToken);

        Assert.Equal("0\n", _job.Text);
        Assert.Equal(0, outbox.Unstored);
        Assert.Equal(0, _job.Stored);
    }

    [Fact]
    public async Task A_chunk_whose_send_failed_is_forgotten_so_its_sequence_can_be_used_again()
    {
        var outbox = Outbox();
        await outbox.SendAsync(Chunk(0), TestContext.Current.CancellationToken);
        _job.Failing = true;

        await Assert.ThrowsAsync<TimeoutException>(() => outbox.SendAsync(Chunk(1), TestContext.Current.CancellationToken));
        _job.Failing = false;
        await outbox.SendAsync(Chunk(1) with { Text = "again\n" }, TestContext.Current.CancellationToken);

        Assert.Equal("0\nagain\n", _job.Text);
        Assert.Equal(2, outbox.Unstored);
    }

    [Fact]
    public async Task Past_its_capacity_it_lets_go_of_the_oldest_the_job_holds_and_a_later_loss_is_told_not_hidden()
    {
        var outbox = Outbox(capacity: 2);
        for (var sequence = 0; sequence < 5; sequence++)
        {
            await outbox.SendAsync(Chunk(sequence), TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, outbox.Unstored);

        _job.Crash();
        await outbox.SendAsync(Chunk(5), TestContext.Current.CancellationToken);

        // 0, 1 and 2 were let go (held, never stored) and died with the silo: the job records the gap.
        Assert.Equal("[lost 3]\n3\n4\n5\n", _job.Text);
    }
}
