import { createInterface } from 'node:readline/promises'

/** Asks on the terminal (stderr, so stdout stays clean); only `y`/`yes` counts as yes. */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
