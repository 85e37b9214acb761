using System.Linq;

namespace Steering.DemoModel.Tests;

public sealed class SentimentCorpusTests
{
    [Fact]
    public void The_corpus_never_mentions_the_held_out_subjects_and_is_reproducible()
    {
        var documents = SentimentCorpus.Documents(DemoModelRecipe.Documents, seed: 1).ToList();
        Assert.DoesNotContain(documents, SentimentCorpus.ContainsHeldOutSubject);
        Assert.Equal(documents.Take(50), SentimentCorpus.Documents(50, seed: 1));
    }
}
