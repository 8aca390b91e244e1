import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU ms of every thread of process `pid` and of its main thread alone, from schedstat (the
 * scheduler's clock, finer than /proc/<pid>/stat's ticks).
 */
export function threadCpuMs(pid: number): { all: number; main: number } {
  const ns = (tid: string) =>
    Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      all += ns(tid);
    } catch {
      // the thread exited meanwhile
    }
  }
  return { all: all / 1e6, main: ns(String(pid)) / 1e6 };
}
