/**
 * A restricted unpickler for PyTorch checkpoints: it rebuilds tensors (as references to their
 * storages, never their data), ordered dicts and plain containers, and refuses every other global.
 *
 * Built on `pickleparser` (npm, MIT): a pure TypeScript pickle VM covering protocols 0–5 whose
 * `nameResolver` and `persistentResolver` hooks decide what every GLOBAL / STACK_GLOBAL / INST and
 * persistent id turns into. It has no eval and no access to Python, so the only code a pickle can
 * reach is the handful of functions below; REDUCE, NEWOBJ and BUILD only ever call those. We chose it
 * over hand-writing a VM because the opcode table is the bulk of the work and it is already tested;
 * over `jpickle`/`pickle` ports because those resolve unknown globals to objects instead of letting
 * us refuse them. Dicts are unpickled as `Map` so a key like `__proto__` stays data.
 *
 * The allowlist mirrors what `torch.load(weights_only=True)` accepts (torch/_weights_only_unpickler.py)
 * plus the inert extras real SD checkpoints carry (numpy scalars for `global_step`, pytorch_lightning's
 * ModelCheckpoint state), as A1111's `modules/safe.py` does.
 */
import { BufferReader, Parser } from 'pickleparser';
import { LoomError } from '@loom/engine';
import type { WeightDtype } from '../weight-source.ts';

/** A storage a tensor points into: its key in the checkpoint and its element type. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: WeightDtype;
  /** Storage size in elements, as the persistent id records it. */
  readonly numel: number;
}

/** A tensor rebuilt without data: where it lives inside its storage. */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** Offset into the storage, in elements. */
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

/** torch's typed storage classes (torch/storage.py) and the element type of each. */
const STORAGE_DTYPES: Record<string, WeightDtype> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const TORCH_DTYPES = new Set([
  'float16',
  'float32',
  'float64',
  'bfloat16',
  'half',
  'float',
  'double',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
  'long',
]);

type Fn = (...args: unknown[]) => unknown;
interface StorageType {
  readonly storageDtype: WeightDtype;
}

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, origin: string): TensorRef {
  if (!isStorage(storage)) throw new LoomError('BAD_FILE', `${origin}: a tensor refers to something that is not a storage; the file is damaged.`);
  const shape = toInts(size, origin);
  return { kind: 'tensor', storage, offset: Number(offset), shape, stride: toInts(stride, origin) };
}

/** Fresh functions per resolution, so a pickle's BUILD on one of them cannot affect another parse. */
function allowed(module: string, name: string, origin: string): Fn | StorageType | { torchDtype: string } | undefined {
  const full = `${module}.${name}`;
  if (module === 'torch' && name in STORAGE_DTYPES) return { storageDtype: STORAGE_DTYPES[name]! };
  // dtype objects (torch.float16, …) saved in training metadata: inert markers
  if (module === 'torch' && TORCH_DTYPES.has(name)) return { torchDtype: name };
  switch (full) {
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return (storage, offset, size, stride) => rebuildTensor(storage, offset, size, stride, origin);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return (data) => data;
    case 'collections.OrderedDict':
      return (items) => new Map(Array.isArray(items) ? (items as [unknown, unknown][]) : []);
    case 'torch.Size':
      return (dims) => toInts(dims, origin);
    case 'builtins.set':
    case '__builtin__.set':
    case 'builtins.frozenset':
      return (items) => new Set(Array.isArray(items) ? items : []);
    case '_codecs.encode':
      // protocol-2 pickles store bytes as latin-1 text: _codecs.encode(text, 'latin1')
      return (text) => Uint8Array.from(String(text), (c) => c.charCodeAt(0) & 0xff);
    case 'numpy.dtype':
      return (descr) => ({ numpyDtype: String(descr) });
    case 'numpy.core.multiarray.scalar':
    case 'numpy._core.multiarray.scalar':
      return (dtype, bytes) => numpyScalar(dtype, bytes);
    case 'numpy.core.multiarray._reconstruct':
    case 'numpy._core.multiarray._reconstruct':
      // numpy arrays in training metadata: kept as an inert object BUILD fills with (version, shape, dtype, …)
      return () => ({ numpyArray: true });
    case 'numpy.ndarray':
      return function ndarray() {
        /* inert type marker */
      };
    case 'torch.device':
      return (name) => String(name);
    case 'pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint':
      // training-callback state in old SD checkpoints: kept as inert data, never used
      return function ModelCheckpoint() {
        /* inert */
      };
    default:
      return undefined;
  }
}

function numpyScalar(dtype: unknown, bytes: unknown): number {
  const kind = (dtype as { numpyDtype?: string }).numpyDtype ?? '';
  if (!(bytes instanceof Uint8Array)) return Number.NaN;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (kind) {
    case 'i8':
      return Number(view.getBigInt64(0, true));
    case 'i4':
      return view.getInt32(0, true);
    case 'f8':
      return view.getFloat64(0, true);
    case 'f4':
      return view.getFloat32(0, true);
    default:
      return Number.NaN;
  }
}

/**
 * Unpickles one pickle from `reader`. `persistent` turns a persistent id (torch's
 * `('storage', type, key, location, numel, …)` tuple) into a {@link StorageRef}. Any global outside
 * the allowlist is refused with BAD_FILE naming it and `origin`; nothing it names is ever called.
 */
export function unpickle(reader: BufferReader, origin: string): unknown {
  const parser = new Parser({
    unpicklingTypeOfDictionary: 'Map',
    unpicklingTypeOfSet: 'Set',
    nameResolver: {
      resolve: (module: string, name: string) => {
        const found = allowed(module, name, origin);
        if (found === undefined) {
          throw new LoomError(
            'BAD_FILE',
            `${origin}: refused to load: the pickle asks for "${module}.${name}", which is not a tensor, storage or plain container. Loom never runs code from a checkpoint; if the file is legitimate, convert it to .safetensors with a tool you trust.`,
          );
        }
        return found as Fn;
      },
    },
    persistentResolver: { resolve: (pid: unknown) => storageFromPid(pid, origin) },
    extensionResolver: {
      resolve: (code: number) => {
        throw new LoomError('BAD_FILE', `${origin}: refused to load: the pickle uses extension code ${code}.`);
      },
    },
  });
  return parser.read(reader);
}

function storageFromPid(pid: unknown, origin: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    throw new LoomError(
      'BAD_FILE',
      `${origin}: unsupported persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : typeof pid)} (a whole pickled nn.Module, not a state dict?). Save the model's state_dict instead.`,
    );
  }
  const type = pid[1] as Partial<StorageType> | undefined;
  if (!type?.storageDtype) throw new LoomError('BAD_FILE', `${origin}: a storage has an unknown element type.`);
  return { kind: 'storage', key: String(pid[2]), dtype: type.storageDtype, numel: Number(pid[4]) };
}

/** Whether `v` is a rebuilt tensor. */
export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'tensor';
}

function isStorage(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'storage';
}

function toInts(v: unknown, origin: string): number[] {
  if (!Array.isArray(v)) throw new LoomError('BAD_FILE', `${origin}: a tensor's size or stride is not a tuple; the file is damaged.`);
  return v.map((x) => Number(x));
}
