// The soft-argmax layer: turns one heatmap per keypoint into the expected (x, y) under a spatial softmax.
import * as tf from '@tensorflow/tfjs';

/**
 * Input [N, H, W, K] heatmap logits; output [N, 2K] as x0, y0, x1, y1, ... in normalised coordinates,
 * where -1 and 1 are the outer edges of the input and pixel centres sit at ((i + 0.5) / W) * 2 - 1,
 * the same convention the regression heads are trained on.
 */
export class SoftArgmax extends tf.layers.Layer {
  static readonly className = 'SoftArgmax';
  /** Sharpness: multiplies the logits before the softmax. */
  private readonly beta: number;

  constructor(config: { beta?: number; name?: string } = {}) {
    super(config.name === undefined ? {} : { name: config.name });
    this.beta = config.beta ?? 1;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const k = s[3];
    return [s[0], k === null ? null : 2 * k];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [n, h, w, k] = x.shape;
      // [N, K, H*W] so that the softmax runs over space for each keypoint.
      const flat = tf.transpose(x, [0, 3, 1, 2]).reshape([n * k, h * w]);
      const p = tf.softmax(this.beta === 1 ? flat : tf.mul(flat, this.beta));
      const gx = new Float32Array(h * w);
      const gy = new Float32Array(h * w);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          gx[r * w + c] = ((c + 0.5) / w) * 2 - 1;
          gy[r * w + c] = ((r + 0.5) / h) * 2 - 1;
        }
      }
      const grid = tf.tensor2d(concatColumns(gx, gy, h * w), [h * w, 2]);
      // [N*K, 2] expected coordinates, laid out per keypoint as (x, y): reshape gives x0, y0, x1, y1, ...
      return tf.matMul(p, grid).reshape([n, 2 * k]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), beta: this.beta };
  }
}

function concatColumns(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = a[i];
    out[2 * i + 1] = b[i];
  }
  return out;
}

tf.serialization.registerClass(SoftArgmax);
