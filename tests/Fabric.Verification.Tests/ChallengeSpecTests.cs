using Microsoft.Extensions.Time.Testing;

namespace Fabric.Verification.Tests;

public sealed class ChallengeSpecTests
{
    [Fact]
    public void Create_issues_now_with_the_deadline_allowed_after_it()
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        var spec = ChallengeSpec.Create(time, 1024, 16, TimeSpan.FromSeconds(30));

        Assert.Equal(TestChallenges.IssuedAt, spec.IssuedAt);
        Assert.Equal(TestChallenges.IssuedAt.AddSeconds(30), spec.Deadline);
        Assert.Equal(1024, spec.Leaves);
        Assert.Equal(16, spec.Rounds);
        Assert.Equal(10, spec.Depth);
        Assert.Equal(ChallengeSpec.SeedSize, spec.Seed.Length);
    }

    [Fact]
    public void Create_draws_a_fresh_seed_and_id_each_time()
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        var first = ChallengeSpec.Create(time, 256, 1, TimeSpan.FromSeconds(1));
        var second = ChallengeSpec.Create(time, 256, 1, TimeSpan.FromSeconds(1));

        Assert.False(first.Seed.Span.SequenceEqual(second.Seed.Span));
        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Create_with_the_same_generator_state_replays_the_same_spec()
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        var first = ChallengeSpec.Create(time, 256, 3, TimeSpan.FromSeconds(5), new DeterministicRandom("replay"));
        var second = ChallengeSpec.Create(time, 256, 3, TimeSpan.FromSeconds(5), new DeterministicRandom("replay"));

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(4, first.Id.Version);
    }

    [Theory]
    [InlineData(128, 1)]
    [InlineData(300, 1)]
    [InlineData(1 << 25, 1)]
    [InlineData(256, 0)]
    [InlineData(256, 1_000_001)]
    public void Create_rejects_leaves_or_rounds_outside_the_limits(int leaves, int rounds)
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        Assert.Throws<ArgumentOutOfRangeException>(() => ChallengeSpec.Create(time, leaves, rounds, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Create_accepts_the_limits_themselves()
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        Assert.Equal(ChallengeSpec.MinLeaves, ChallengeSpec.Create(time, 256, 1, TimeSpan.FromSeconds(1)).Leaves);
        Assert.Equal(ChallengeSpec.MaxRounds, ChallengeSpec.Create(time, 1 << 24, 1_000_000, TimeSpan.FromSeconds(1)).Rounds);
    }

    [Fact]
    public void Create_rejects_a_time_allowed_that_is_not_positive()
    {
        var time = new FakeTimeProvider(TestChallenges.IssuedAt);

        Assert.Throws<ArgumentOutOfRangeException>(() => ChallengeSpec.Create(time, 256, 1, TimeSpan.Zero));
    }

    [Fact]
    public void Constructor_rejects_a_seed_that_is_not_32_bytes_and_a_deadline_not_after_issue()
    {
        var at = TestChallenges.IssuedAt;

        Assert.Throws<ArgumentException>(() => new ChallengeSpec(Guid.NewGuid(), new byte[31], 256, 1, at, at.AddSeconds(1)));
        Assert.Throws<ArgumentException>(() => new ChallengeSpec(Guid.NewGuid(), new byte[32], 256, 1, at, at));
    }

    [Fact]
    public void The_spec_keeps_its_own_copy_of_the_seed()
    {
        var seed = new byte[32];
        var spec = new ChallengeSpec(Guid.NewGuid(), seed, 256, 1, TestChallenges.IssuedAt, TestChallenges.IssuedAt.AddSeconds(1));

        seed[0] = 0xFF;

        Assert.Equal(0, spec.Seed.Span[0]);
    }

    [Fact]
    public void An_opening_keeps_its_own_copies_and_compares_by_value()
    {
        var leaf = new byte[32];
        var sibling = new byte[32];
        var opening = new LeafOpening { Index = 3, Leaf = leaf, Path = [sibling] };
        var same = new LeafOpening { Index = 3, Leaf = new byte[32], Path = [new byte[32]] };

        leaf[0] = 1;
        sibling[0] = 1;

        Assert.Equal(0, opening.Leaf.Span[0]);
        Assert.Equal(0, opening.Path[0].Span[0]);
        Assert.Equal(same, opening);
        Assert.NotEqual(same with { Index = 4 }, opening);
    }
}
