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

/**
 * Context switches of every thread of process `pid`, from /proc/<pid>/task/<tid>/status:
 * `voluntary` (the thread slept: each later needs a wake-up) and `involuntary` (it was
 * preempted while runnable).
 */
export function contextSwitches(pid: number): { voluntary: number; involuntary: number } {
  let voluntary = 0;
  let involuntary = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread exited meanwhile
    }
    voluntary += Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    involuntary += Number(/\nnonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { voluntary, involuntary };
}
