namespace Fabric.Verification.Tests;

public sealed class PerformanceTiersTests
{
    [Fact]
    public void A_claimed_H100_that_answers_slowly_is_tiered_low_and_does_not_match_its_claim()
    {
        var spec = TestChallenges.Spec(1024, rounds: 8);
        var solution = ChallengeSolver.Solve(spec, parallelism: 2);
        var requested = ChallengeChecker.PickSamples(spec, 16, new DeterministicRandom("slow h100"));
        var verdict = TestChallenges.Answer(spec, solution, requested, after: TimeSpan.FromSeconds(4));

        var tier = PerformanceTiers.Classify("NVIDIA H100 80GB HBM3", verdict.MeasuredHashesPerSecond);

        Assert.True(verdict.Passed, verdict.Detail);
        Assert.Equal(2048.0, verdict.MeasuredHashesPerSecond);
        Assert.Equal(new TierClassification(PerformanceTier.Low, PerformanceTier.Ultra, MatchesClaim: false), tier);
    }

    [Theory]
    [InlineData("H100", 20e9, PerformanceTier.Ultra, PerformanceTier.Ultra, true)]
    [InlineData("H100", 12e9, PerformanceTier.High, PerformanceTier.Ultra, true)]   // 60%: power-capped, still an H100
    [InlineData("H100", 9e9, PerformanceTier.High, PerformanceTier.Ultra, false)]   // 45%: not what it claims
    [InlineData("H100", 40e9, PerformanceTier.Ultra, PerformanceTier.Ultra, true)]
    [InlineData("A100", 40e9, PerformanceTier.High, PerformanceTier.High, true)]    // never above the claim
    [InlineData("T4", 30e9, PerformanceTier.Low, PerformanceTier.Low, true)]
    [InlineData("A10", 3e9, PerformanceTier.Medium, PerformanceTier.Medium, true)]
    [InlineData("Some New GPU", 30e9, PerformanceTier.Low, PerformanceTier.Low, true)] // unlisted: at most Low
    [InlineData("cpu-simulator", 1.5e6, PerformanceTier.Low, PerformanceTier.Low, true)]
    [InlineData("H100", 0.0, PerformanceTier.Unverified, PerformanceTier.Ultra, false)] // a failed verdict's rate
    [InlineData("H100", double.NaN, PerformanceTier.Unverified, PerformanceTier.Ultra, false)]
    public void Classify_tiers_by_the_measured_rate_capped_at_the_claim(string model, double rate, PerformanceTier shown, PerformanceTier claimed, bool matches) =>
        Assert.Equal(new TierClassification(shown, claimed, matches), PerformanceTiers.Classify(model, rate));

    [Theory]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100")]
    [InlineData("NVIDIA A10", "A10")]
    [InlineData("nvidia geforce rtx 4090", "RTX 4090")]
    [InlineData("NVIDIA GeForce RTX 3090 Ti", "RTX 3090")]
    [InlineData("NVIDIA H200 NVL", "H200")]
    [InlineData("Tesla T4", "T4")]
    [InlineData("NVIDIA L40S", "L40S")]
    [InlineData("NVIDIA B200", "B200")]
    [InlineData("NVIDIA GH200 480GB", "unlisted")]
    [InlineData("4090", "unlisted")]
    [InlineData("", "unlisted")]
    [InlineData(null, "unlisted")]
    public void Model_names_match_on_whole_words(string? claimed, string model) =>
        Assert.Equal(model, PerformanceTiers.Lookup(claimed).Model);

    [Fact]
    public void The_calibration_table_places_each_model_in_its_tier()
    {
        var tiers = PerformanceTiers.Models.ToDictionary(m => m.Model, m => m.Tier);

        Assert.Equal(
            new Dictionary<string, PerformanceTier>
            {
                ["B200"] = PerformanceTier.Ultra,
                ["RTX 4090"] = PerformanceTier.Ultra,
                ["H200"] = PerformanceTier.Ultra,
                ["H100"] = PerformanceTier.Ultra,
                ["L40S"] = PerformanceTier.Ultra,
                ["A100"] = PerformanceTier.High,
                ["RTX 3090"] = PerformanceTier.High,
                ["A10"] = PerformanceTier.Medium,
                ["T4"] = PerformanceTier.Low,
            },
            tiers);
        Assert.Equal(PerformanceTier.Low, PerformanceTiers.Fallback.Tier);
    }

    [Fact]
    public void Size_for_an_H100_over_ten_seconds_uses_the_most_leaves_to_keep_rounds_low()
    {
        var size = PerformanceTiers.SizeFor("H100", TimeSpan.FromSeconds(10));

        Assert.Equal(new ChallengeSize(1 << 22, 47_684, TimeSpan.FromSeconds(30)), size);
    }

    [Fact]
    public void Size_for_a_short_target_on_a_slow_device_shrinks_the_leaves()
    {
        var size = PerformanceTiers.SizeFor("cpu", TimeSpan.FromMilliseconds(10));

        Assert.Equal(new ChallengeSize(1 << 14, 1, TimeSpan.FromMilliseconds(30)), size);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(60)]
    public void An_honest_device_of_each_model_needs_about_the_target_duration(int seconds)
    {
        var target = TimeSpan.FromSeconds(seconds);
        foreach (var model in PerformanceTiers.Models.Append(PerformanceTiers.Fallback))
        {
            var size = PerformanceTiers.SizeFor(model.Model, target);
            var honestSeconds = (double)size.Leaves * size.Rounds / model.ExpectedHashesPerSecond;

            Assert.InRange(honestSeconds, seconds * 0.9, seconds * 1.1);
            Assert.Equal(target * PerformanceTiers.DeadlineFactor, size.Allowed);
            var spec = new ChallengeSpec(Guid.NewGuid(), new byte[32], size.Leaves, size.Rounds, TestChallenges.IssuedAt, TestChallenges.IssuedAt + size.Allowed);
            Assert.Equal(size.Leaves, spec.Leaves);
        }
    }

    [Fact]
    public void A_device_at_a_third_of_its_claim_is_late_and_at_two_fifths_passes_without_matching()
    {
        var size = PerformanceTiers.SizeFor("A100", TimeSpan.FromSeconds(10));
        var work = (double)size.Leaves * size.Rounds;
        var atThird = TimeSpan.FromSeconds(work / (10e9 / 3.1));
        var atTwoFifths = TimeSpan.FromSeconds(work / 4e9);

        Assert.True(atThird > size.Allowed);
        Assert.True(atTwoFifths < size.Allowed);
        Assert.False(PerformanceTiers.Classify("A100", work / atTwoFifths.TotalSeconds).MatchesClaim);
    }
}
