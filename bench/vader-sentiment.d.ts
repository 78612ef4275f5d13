// vader-sentiment ships no types; this is the one call the benchmark uses (stock VADER as the speed baseline).
declare module 'vader-sentiment' {
  interface PolarityScores {
    neg: number;
    neu: number;
    pos: number;
    /** Normalized sum of valences, -1..1. */
    compound: number;
  }
  const vader: {
    SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
  };
  export default vader;
}
