/** Seeded Gaussian noise identical to torch's CPU generator (see `torch-generator.ts` for the algorithm). */
export { TorchCpuGenerator, type NormalKernel } from './torch-generator.ts';
export { Mt19937 } from './mt19937.ts';
export { expSleefF32, logSleefF32 } from './sleef-f32.ts';
