import "./stats.css";

export function describe(count: number): string {
  const parity: "even" | "odd" = count % 2 === 0 ? "even" : "odd";
  return `clicked ${count} times (${parity})`;
}
