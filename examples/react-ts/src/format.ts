export function formatCount(count: number): string {
  return `count is ${count}`;
}
