import { useState, type FC } from "react";
import styles from "./app.module.css";
import * as utils from './utils';
import logo from "./logo.svg?url";

interface Props { title: string; count?: number }

export const App: FC<Props> = ({ title, count = 0 }) => {
  const [n, setN] = useState<number>(count);
  return (
    <div className={styles.app}>
      <img src={logo} alt="日本語 ✓" />
      <h1>{title} {n}</h1>
      <button onClick={() => setN((v) => v + 1)}>+1</button>
      <>{[1, 2, 3].map((i) => <span key={i}>{i}</span>)}</>
    </div>
  );
};

export default function Page() {
  return <App title={`page ${utils.version}`} />;
}
