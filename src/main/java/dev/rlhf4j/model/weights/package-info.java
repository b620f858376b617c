/**
 * Pretrained weights as plain fp32 heap tensors ({@link dev.rlhf4j.model.weights.HostTensor}), with no
 * DJL types: other code turns them into NDArrays.
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.model.weights.Llama2cCheckpoint} reads a llama2.c {@code .bin} checkpoint as a
 *       Hugging Face {@code LlamaForCausalLM} config and tensors (rotary rows permuted to
 *       {@code rotate_half} order).</li>
 *   <li>{@link dev.rlhf4j.model.weights.OnnxGraph} reads the nodes and initializers of an ONNX model
 *       through protobuf classes generated from {@code src/main/proto/onnx_weights.proto}.</li>
 *   <li>{@link dev.rlhf4j.model.weights.OnnxInitializers} recovers Hugging Face {@code BertModel}
 *       names from such a graph, un-transposing the anonymous {@code onnx::MatMul_*} Linear weights
 *       of {@code torch.onnx} exports.</li>
 *   <li>{@link dev.rlhf4j.model.weights.Safetensors} reads (F32/F16/BF16/F64, bounds-checked, mapped)
 *       and writes (F32, atomic) Hugging Face safetensors files.</li>
 * </ul>
 */
package dev.rlhf4j.model.weights;
