import type {IncomingMessage} from 'node:http'

/** A request the client got wrong, answered with `status` and a short message (never a stack). */
export class HttpInputError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
    this.name = 'HttpInputError'
  }
}

/** Reads and parses a JSON body, refusing more than `limit` bytes before buffering them. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw new HttpInputError(413, `body larger than ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new HttpInputError(413, `body larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new HttpInputError(400, 'body is empty; expected JSON')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new HttpInputError(400, `body is not valid JSON: ${(err as Error).message}`)
  }
}
