/// The ATen out-variant kernels edgec writes and runs, each declared once with its schema
/// (ATen's native_functions.yaml signature, as ExecuTorch 1.5.1 registers it in its portable
/// kernel library). The lowering emits calls by argument name from these schemas, the
/// interpreter binds by name from them, and docs/lowering.md prints them.
public enum ATenKernel: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // Elementwise arithmetic.
    case add = "aten::add.out"
    case addScalar = "aten::add.Scalar_out"
    case sub = "aten::sub.out"
    case mul = "aten::mul.out"
    case mulScalar = "aten::mul.Scalar_out"
    case div = "aten::div.out"
    case divMode = "aten::div.out_mode"
    case divScalar = "aten::div.Scalar_out"
    case pow = "aten::pow.Tensor_Tensor_out"
    case maximum = "aten::maximum.out"
    case minimum = "aten::minimum.out"
    case `where` = "aten::where.self_out"
    case toCopy = "aten::_to_copy.out"
    case full = "aten::full.out"
    // Activations and unary math.
    case relu = "aten::relu.out"
    case clamp = "aten::clamp.out"
    case sigmoid = "aten::sigmoid.out"
    case tanh = "aten::tanh.out"
    case gelu = "aten::gelu.out"
    case leakyRelu = "aten::leaky_relu.out"
    case elu = "aten::elu.out"
    case exp = "aten::exp.out"
    case log = "aten::log.out"
    case sqrt = "aten::sqrt.out"
    case rsqrt = "aten::rsqrt.out"
    case reciprocal = "aten::reciprocal.out"
    case erf = "aten::erf.out"
    case neg = "aten::neg.out"
    case abs = "aten::abs.out"
    case floor = "aten::floor.out"
    case ceil = "aten::ceil.out"
    case sin = "aten::sin.out"
    case cos = "aten::cos.out"
    // Comparison and logic.
    case eq = "aten::eq.Tensor_out"
    case ne = "aten::ne.Tensor_out"
    case lt = "aten::lt.Tensor_out"
    case le = "aten::le.Tensor_out"
    case gt = "aten::gt.Tensor_out"
    case ge = "aten::ge.Tensor_out"
    case logicalAnd = "aten::logical_and.out"
    case logicalOr = "aten::logical_or.out"
    case logicalXor = "aten::logical_xor.out"
    case logicalNot = "aten::logical_not.out"
    // Convolution and pooling.
    case convolution = "aten::convolution.out"
    case maxPool2dWithIndices = "aten::max_pool2d_with_indices.out"
    case avgPool2d = "aten::avg_pool2d.out"
    // Normalization.
    case batchNormNoTraining = "aten::_native_batch_norm_legit_no_training.out"
    case layerNorm = "aten::native_layer_norm.out"
    case groupNorm = "aten::native_group_norm.out"
    case softmax = "aten::_softmax.out"
    case logSoftmax = "aten::_log_softmax.out"
    // Reductions.
    case mean = "aten::mean.out"
    case sum = "aten::sum.IntList_out"
    case amax = "aten::amax.out"
    case amin = "aten::amin.out"
    case argmax = "aten::argmax.out"
    case argmin = "aten::argmin.out"
    // Linear algebra.
    case mm = "aten::mm.out"
    case bmm = "aten::bmm.out"
    case addmm = "aten::addmm.out"
    // Layout (copies, views, padding, resizing).
    case clone = "aten::clone.out"
    case viewCopy = "aten::view_copy.out"
    case squeezeCopy = "aten::squeeze_copy.dims_out"
    case unsqueezeCopy = "aten::unsqueeze_copy.out"
    case permuteCopy = "aten::permute_copy.out"
    case expandCopy = "aten::expand_copy.out"
    case `repeat` = "aten::repeat.out"
    case cat = "aten::cat.out"
    case splitWithSizesCopy = "aten::split_with_sizes_copy.out"
    case constantPadNd = "aten::constant_pad_nd.out"
    case reflectionPad1d = "aten::reflection_pad1d.out"
    case reflectionPad2d = "aten::reflection_pad2d.out"
    case reflectionPad3d = "aten::reflection_pad3d.out"
    case replicationPad1d = "aten::replication_pad1d.out"
    case replicationPad2d = "aten::replication_pad2d.out"
    case replicationPad3d = "aten::replication_pad3d.out"
    case upsampleNearest2d = "aten::upsample_nearest2d.vec_out"
    case upsampleBilinear2d = "aten::upsample_bilinear2d.vec_out"
    // Indexing.
    case sliceCopy = "aten::slice_copy.Tensor_out"
    case indexSelect = "aten::index_select.out"
    case gather = "aten::gather.out"
    case scatterSrc = "aten::scatter.src_out"
    case scatterAdd = "aten::scatter_add.out"
    // More unary math, bitwise ops, products, top-k, grid sampling.
    case tan = "aten::tan.out"
    case asin = "aten::asin.out"
    case acos = "aten::acos.out"
    case atan = "aten::atan.out"
    case sinh = "aten::sinh.out"
    case cosh = "aten::cosh.out"
    case asinh = "aten::asinh.out"
    case acosh = "aten::acosh.out"
    case atanh = "aten::atanh.out"
    case round = "aten::round.out"
    case bitwiseAnd = "aten::bitwise_and.Tensor_out"
    case bitwiseOr = "aten::bitwise_or.Tensor_out"
    case bitwiseXor = "aten::bitwise_xor.Tensor_out"
    case bitwiseNot = "aten::bitwise_not.out"
    case bitwiseLeftShift = "aten::bitwise_left_shift.Tensor_out"
    case bitwiseRightShift = "aten::bitwise_right_shift.Tensor_out"
    case prodDim = "aten::prod.int_out"
    case prodAll = "aten::prod.out"
    case topk = "aten::topk.values"
    case gridSampler2d = "aten::grid_sampler_2d.out"

    /// `name.overload`, e.g. `aten::convolution.out`.
    public var description: String { rawValue }

    /// The kernel's schema (computed once per kernel).
    public var schema: KernelSchema { Self.schemas[self]! }

    private static let schemas: [ATenKernel: KernelSchema] = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.declaredSchema) })

    /// The schema of each kernel, written as in native_functions.yaml.
    private var declaredSchema: KernelSchema {
        let name = rawValue
        let one: Int64 = 1
        switch self {
        case .add, .sub:
            return KernelSchema(name, [.tensor("self"), .tensor("other"), .scalar("alpha", default: .int(one))])
        case .addScalar:
            return KernelSchema(name, [.tensor("self"), .scalar("other"), .scalar("alpha", default: .int(one))])
        case .mul, .div, .maximum, .minimum, .eq, .ne, .lt, .le, .gt, .ge, .logicalAnd, .logicalOr, .logicalXor:
            return KernelSchema(name, [.tensor("self"), .tensor("other")])
        case .mulScalar, .divScalar:
            return KernelSchema(name, [.tensor("self"), .scalar("other")])
        case .divMode:
            return KernelSchema(name, [.tensor("self"), .tensor("other"), .optionalString("rounding_mode")])
        case .pow:
            return KernelSchema(name, [.tensor("self"), .tensor("exponent")])
        case .where:
            return KernelSchema(name, [.tensor("condition"), .tensor("self"), .tensor("other")])
        case .toCopy:
            return KernelSchema(name, [.tensor("self"), .bool("non_blocking", default: false), .optionalMemoryFormat("memory_format", default: .null)])
        case .full:
            return KernelSchema(name, [.intList("size"), .scalar("fill_value")])

        case .relu, .sigmoid, .tanh, .exp, .log, .sqrt, .rsqrt, .reciprocal, .erf, .neg, .abs, .floor, .ceil, .sin, .cos, .logicalNot:
            return KernelSchema(name, [.tensor("self")])
        case .clamp:
            return KernelSchema(name, [.tensor("self"), .optionalScalar("min", default: .null), .optionalScalar("max", default: .null)])
        case .gelu:
            return KernelSchema(name, [.tensor("self"), .string("approximate", default: "none")])
        case .leakyRelu:
            return KernelSchema(name, [.tensor("self"), .scalar("negative_slope", default: .double(0.01))])
        case .elu:
            return KernelSchema(name, [.tensor("self"), .scalar("alpha", default: .int(one)), .scalar("scale", default: .int(one)),
                                       .scalar("input_scale", default: .int(one))])

        case .convolution:
            return KernelSchema(name, [.tensor("input"), .tensor("weight"), .optionalTensor("bias"), .intList("stride"), .intList("padding"),
                                       .intList("dilation"), .bool("transposed"), .intList("output_padding"), .int("groups")])
        case .maxPool2dWithIndices:
            return KernelSchema(name, [.tensor("self"), .intList("kernel_size"), .intList("stride", default: []), .intList("padding", default: [0, 0]),
                                       .intList("dilation", default: [1, 1]), .bool("ceil_mode", default: false)], outs: ["out", "indices"])
        case .avgPool2d:
            return KernelSchema(name, [.tensor("self"), .intList("kernel_size"), .intList("stride", default: []), .intList("padding", default: [0, 0]),
                                       .bool("ceil_mode", default: false), .bool("count_include_pad", default: true),
                                       .optionalInt("divisor_override", default: .null)])

        case .batchNormNoTraining:
            return KernelSchema(name, [.tensor("input"), .optionalTensor("weight"), .optionalTensor("bias"), .tensor("running_mean"),
                                       .tensor("running_var"), .float("momentum"), .float("eps")], outs: ["out0", "out1", "out2"])
        case .layerNorm:
            return KernelSchema(name, [.tensor("input"), .intList("normalized_shape"), .optionalTensor("weight"), .optionalTensor("bias"),
                                       .float("eps")], outs: ["out0", "out1", "out2"])
        case .groupNorm:
            return KernelSchema(name, [.tensor("input"), .optionalTensor("weight"), .optionalTensor("bias"), .int("N"), .int("C"), .int("HxW"),
                                       .int("group"), .float("eps")], outs: ["out0", "out1", "out2"])
        case .softmax, .logSoftmax:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .bool("half_to_float")])

        case .mean, .sum:
            return KernelSchema(name, [.tensor("self"), .optionalIntList("dim"), .bool("keepdim", default: false),
                                       .optionalScalarType("dtype", default: .null)])
        case .amax, .amin:
            return KernelSchema(name, [.tensor("self"), .intList("dim", default: []), .bool("keepdim", default: false)])
        case .argmax, .argmin:
            return KernelSchema(name, [.tensor("self"), .optionalInt("dim", default: .null), .bool("keepdim", default: false)])

        case .mm, .bmm:
            return KernelSchema(name, [.tensor("self"), .tensor("mat2")])
        case .addmm:
            return KernelSchema(name, [.tensor("self"), .tensor("mat1"), .tensor("mat2"), .scalar("beta", default: .int(one)),
                                       .scalar("alpha", default: .int(one))])

        case .clone:
            return KernelSchema(name, [.tensor("self"), .optionalMemoryFormat("memory_format", default: .null)])
        case .viewCopy:
            return KernelSchema(name, [.tensor("self"), .intList("size")])
        case .squeezeCopy:
            return KernelSchema(name, [.tensor("self"), .intList("dim")])
        case .unsqueezeCopy:
            return KernelSchema(name, [.tensor("self"), .int("dim")])
        case .permuteCopy:
            return KernelSchema(name, [.tensor("self"), .intList("dims")])
        case .expandCopy:
            return KernelSchema(name, [.tensor("self"), .intList("size"), .bool("implicit", default: false)])
        case .repeat:
            return KernelSchema(name, [.tensor("self"), .intList("repeats")])
        case .cat:
            return KernelSchema(name, [.tensorList("tensors"), .int("dim", default: 0)])
        case .splitWithSizesCopy:
            return KernelSchema(name, [.tensor("self"), .intList("split_sizes"), .int("dim", default: 0)], outList: "out")
        case .constantPadNd:
            return KernelSchema(name, [.tensor("self"), .intList("pad"), .scalar("value", default: .int(0))])
        case .reflectionPad1d, .reflectionPad2d, .reflectionPad3d, .replicationPad1d, .replicationPad2d, .replicationPad3d:
            return KernelSchema(name, [.tensor("self"), .intList("padding")])
        case .upsampleNearest2d:
            return KernelSchema(name, [.tensor("input"), .optionalIntList("output_size"), .optionalFloatList("scale_factors")])
        case .upsampleBilinear2d:
            return KernelSchema(name, [.tensor("input"), .optionalIntList("output_size"), .bool("align_corners"), .optionalFloatList("scale_factors")])

        case .sliceCopy:
            return KernelSchema(name, [.tensor("self"), .int("dim", default: 0), .optionalInt("start", default: .null),
                                       .optionalInt("end", default: .null), .int("step", default: 1)])
        case .indexSelect:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .tensor("index")])
        case .gather:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .tensor("index"), .bool("sparse_grad", default: false)])
        case .scatterSrc:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .tensor("index"), .tensor("src")])
        case .scatterAdd:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .tensor("index"), .tensor("src")])

        case .tan, .asin, .acos, .atan, .sinh, .cosh, .asinh, .acosh, .atanh, .round, .bitwiseNot:
            return KernelSchema(name, [.tensor("self")])
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .bitwiseLeftShift, .bitwiseRightShift:
            return KernelSchema(name, [.tensor("self"), .tensor("other")])
        case .prodDim:
            return KernelSchema(name, [.tensor("self"), .int("dim"), .bool("keepdim", default: false), .optionalScalarType("dtype", default: .null)])
        case .prodAll:
            return KernelSchema(name, [.tensor("self"), .optionalScalarType("dtype", default: .null)])
        case .topk:
            return KernelSchema(name, [.tensor("self"), .int("k"), .int("dim", default: -1), .bool("largest", default: true),
                                       .bool("sorted", default: true)], outs: ["values", "indices"])
        case .gridSampler2d:
            return KernelSchema(name, [.tensor("input"), .tensor("grid"), .int("interpolation_mode"), .int("padding_mode"), .bool("align_corners")])
        }
    }
}
