import { useState } from "react";
import styles from "./App.module.css";
import logo from "./assets/logo.png";
import { formatCount } from "./format";

export function App() {
  const [count, setCount] = useState(0);
  const [stats, setStats] = useState<string | null>(null);

  async function loadStats() {
    // Split into its own chunk: only fetched when the button is clicked.
    const { describe } = await import("./stats");
    setStats(describe(count));
  }

  return (
    <main className={styles.app}>
      <img className={styles.logo} src={logo} alt="Nexxo logo" width={64} height={64} />
      <h1 className={styles.title}>{import.meta.env.NEXXO_GREETING}</h1>
      <p data-testid="mode">mode: {import.meta.env.MODE}</p>
      <button className={styles.counter} onClick={() => setCount((c) => c + 1)}>
        {formatCount(count)}
      </button>
      <button onClick={loadStats}>Load stats</button>
      {stats && <p data-testid="stats" className="stats">{stats}</p>}
    </main>
  );
}
