import { createHash } from 'node:crypto';
import { featureTable, outputCount, type EnrichmentModel, type SentimentNet } from './network.js';

/**
 * The shipped model file (`enrichment-model.bin`), little-endian:
 *
 * ```
 * "SBM2"  uint32 headerBytes  header (UTF-8 JSON: name, hidden, labels, features, about)
 * float32 hiddenBias[hidden]  embeddingScales[hidden]  outputWeights[hidden × outputs]
 *         outputBias[outputs]  thresholds[intents]  sentimentOffsets[sentiments]
 * uint32  features[features]  (ascending feature hashes, one per embedding row)
 * int8    embeddings[features × hidden]
 * ```
 *
 * then, when the header has `sentimentNet: { hidden, features }` (the word-level sentiment
 * network, see `network.ts`; files without it still read):
 *
 * ```
 * float32 hiddenBias[hidden]  embeddingScales[hidden]  outputWeights[hidden × sentiments]
 *         outputBias[sentiments]
 * uint32  mainRows[features]  (ascending: the main network's row of each of its features)
 * int8    embeddings[features × hidden]
 * ```
 *
 * The model's version is its name and the first 12 hex digits of the file's SHA-256: a
 * retrained model always has a new version, the same bytes always the same one.
 */
const MAGIC = 'SBM2';

interface Header {
  name: string;
  hidden: number;
  intents: string[];
  sentiments: string[];
  languages: string[];
  features: number;
  sentimentNet?: { hidden: number; features: number };
  /** Free-form facts about the training (corpus digest, options), for people reading the file. */
  about?: Record<string, unknown>;
}

/** Serializes a model and the feature hashes of its embedding rows; `about` is stored for readers. */
export function encodeModel(
  model: EnrichmentModel,
  features: Uint32Array,
  name: string,
  about: Record<string, unknown> = {},
): Buffer {
  const net = model.sentimentNet;
  const mainRows = net ? Uint32Array.from(net.rows.keys()).filter((row) => net.rows[row]! >= 0) : undefined;
  const header: Header = {
    name,
    hidden: model.hidden,
    intents: [...model.intents],
    sentiments: [...model.sentiments],
    languages: [...model.languages],
    features: features.length,
    ...(net && mainRows ? { sentimentNet: { hidden: net.hidden, features: mainRows.length } } : {}),
    about,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const floats = Float32Array.from([
    ...model.hiddenBias,
    ...model.embeddingScales,
    ...model.outputWeights,
    ...model.outputBias,
    ...model.thresholds,
    ...model.sentimentOffsets,
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const parts = [
    Buffer.from(MAGIC, 'ascii'),
    length,
    headerBytes,
    bytesOf(floats),
    bytesOf(features),
    bytesOf(model.embeddings),
  ];
  if (net && mainRows) {
    // Its own rows are in the order of the main rows (both follow the ascending feature hashes).
    if (mainRows.some((row, own) => net.rows[row] !== own))
      throw new Error("the sentiment network's rows are not in the main network's order");
    parts.push(
      bytesOf(Float32Array.from([...net.hiddenBias, ...net.embeddingScales, ...net.outputWeights, ...net.outputBias])),
      bytesOf(mainRows),
      bytesOf(net.embeddings),
    );
  }
  return Buffer.concat(parts);
}

/** Little-endian bytes of a typed array (every platform Node runs on is little-endian). */
function bytesOf(array: Float32Array | Uint32Array | Int8Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Reads a model file written by {@link encodeModel}; throws naming what is wrong with it. */
export function decodeModel(file: Uint8Array): EnrichmentModel {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 8 || bytes.toString('ascii', 0, 4) !== MAGIC)
    throw new Error('not a Switchboard enrichment model (bad magic)');
  const headerLength = bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Header;
  const H = header.hidden;
  if (!Number.isInteger(H) || H <= 0 || H % 4 !== 0)
    throw new Error(`enrichment model has ${H} hidden units; it must be a positive multiple of 4`);
  const O = outputCount(header);
  const ni = header.intents.length;
  const ns = header.sentiments.length;
  const floatCount = 2 * H + H * O + O + ni + ns;
  let at = 8 + headerLength;
  const net = header.sentimentNet;
  if (net && (!Number.isInteger(net.hidden) || net.hidden <= 0 || net.hidden % 4 !== 0))
    throw new Error(
      `enrichment model's sentiment network has ${net.hidden} hidden units; it must be a positive multiple of 4`,
    );
  const netFloatCount = net ? 2 * net.hidden + net.hidden * ns + ns : 0;
  const expected =
    at +
    floatCount * 4 +
    header.features * 4 +
    header.features * H +
    (net ? netFloatCount * 4 + net.features * 4 + net.features * net.hidden : 0);
  if (bytes.length !== expected)
    throw new Error(`enrichment model is ${bytes.length} bytes, its header says ${expected}`);
  // Copied out of the file buffer: typed arrays need aligned offsets.
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + floatCount * 4));
  at += floatCount * 4;
  const features = new Uint32Array(
    bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + header.features * 4),
  );
  at += header.features * 4;
  const embeddings = new Int8Array(
    bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + header.features * H),
  );
  at += header.features * H;
  let sentimentNet: SentimentNet | undefined;
  if (net) {
    const netFloats = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + netFloatCount * 4),
    );
    at += netFloatCount * 4;
    const mainRows = new Uint32Array(
      bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + net.features * 4),
    );
    at += net.features * 4;
    const rows = new Int32Array(header.features).fill(-1);
    mainRows.forEach((row, own) => {
      if (row >= header.features)
        throw new Error(`enrichment model's sentiment network reads row ${row} of ${header.features}`);
      rows[row] = own;
    });
    let g = 0;
    const part = (n: number) => netFloats.subarray(g, (g += n));
    sentimentNet = {
      hidden: net.hidden,
      rows,
      hiddenBias: part(net.hidden),
      embeddingScales: part(net.hidden),
      outputWeights: part(net.hidden * ns),
      outputBias: part(ns),
      embeddings: new Int8Array(
        bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + net.features * net.hidden),
      ),
    };
  }
  let f = 0;
  const take = (n: number) => floats.subarray(f, (f += n));
  return {
    version: `${header.name}@${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`,
    hidden: H,
    intents: header.intents,
    sentiments: header.sentiments,
    languages: header.languages,
    hiddenBias: take(H),
    embeddingScales: take(H),
    outputWeights: take(H * O),
    outputBias: take(O),
    thresholds: take(ni),
    sentimentOffsets: take(ns),
    lookup: featureTable(features),
    embeddings,
    sentimentNet,
  };
}
