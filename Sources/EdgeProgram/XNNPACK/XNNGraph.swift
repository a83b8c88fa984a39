// The XNNPACK delegate's graph (Grammar/xnnpack.fbs) as plain Swift values, with a builder-style
// API for lowering: add values (each returns its id), constants and nodes, then `serialize()`.
// `XNNPayloadReader` verifies a payload and rebuilds the same values, so a round trip is equality.

/// `xnn_datatype`: element types of XNNPACK values (XNNDatatype in Grammar/xnnpack.fbs).
public enum XNNDatatype: Int16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case invalid = 0, fp32 = 1, fp16 = 2, qint8 = 3, quint8 = 4, qint32 = 5, qcint8 = 6, qcint32 = 7
    case qcint4 = 8, qdint8 = 9, qbint4 = 10, qpint8 = 11, int32 = 12, pfp32 = 13, bf16 = 14

    /// Bits per element (4 for the packed int4 types), or nil for `invalid`.
    public var bitWidth: Int? {
        switch self {
        case .invalid: return nil
        case .fp32, .qint32, .qcint32, .int32, .pfp32: return 32
        case .fp16, .bf16: return 16
        case .qint8, .quint8, .qcint8, .qdint8, .qpint8: return 8
        case .qcint4, .qbint4: return 4
        }
    }

    /// Bytes of `count` elements (int4 types pack two per byte), or nil for `invalid` or on overflow.
    public func byteCount(elements count: Int) -> Int? {
        guard let bits = bitWidth, count >= 0 else { return nil }
        let (total, o) = count.multipliedReportingOverflow(by: bits)
        return o ? nil : (total + 7) / 8
    }

    /// The schema's name without the `xnn_datatype_` prefix (`fp32`, `qcint8`, ...).
    public var description: String {
        ["invalid", "fp32", "fp16", "qint8", "quint8", "qint32", "qcint8", "qcint32", "qcint4", "qdint8", "qbint4",
         "qpint8", "int32", "pfp32", "bf16"][Int(rawValue)]
    }
}

/// `XNN_INVALID_VALUE_ID`: how an absent value id (no bias, internal value) is written.
public let xnnInvalidValueID: UInt32 = 0xFFFF_FFFF

/// A value's `flags`: whether it is a delegate input or output.
public struct XNNValueFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `XNN_VALUE_FLAG_EXTERNAL_INPUT`.
    public static let externalInput = XNNValueFlags(rawValue: 1)
    /// `XNN_VALUE_FLAG_EXTERNAL_OUTPUT`.
    public static let externalOutput = XNNValueFlags(rawValue: 2)
    /// Every flag the runtime accepts.
    public static let all: XNNValueFlags = [.externalInput, .externalOutput]
}

/// A tensor value (`XNNTensorValue`): datatype, static dims, constant data and external binding.
public struct XNNTensorValue: Sendable, Hashable {
    public var datatype: XNNDatatype
    public var dims: [UInt32]
    /// Index into ``XNNGraph/constantData`` holding the data; 0 = no constant data.
    public var constantBufferIndex: UInt32
    /// The delegate argument position of an external input/output; nil (0xFFFFFFFF) for internal values.
    public var externalID: UInt32?
    public var flags: XNNValueFlags
    /// The value's id, which nodes refer to (`id_out`).
    public var id: UInt32

    public init(datatype: XNNDatatype, dims: [UInt32], constantBufferIndex: UInt32 = 0, externalID: UInt32? = nil,
                flags: XNNValueFlags = [], id: UInt32) {
        self.datatype = datatype
        self.dims = dims
        self.constantBufferIndex = constantBufferIndex
        self.externalID = externalID
        self.flags = flags
        self.id = id
    }

    /// The number of elements, or nil when the product overflows.
    public var elementCount: Int? {
        var n = 1
        for d in dims {
            let (r, o) = n.multipliedReportingOverflow(by: Int(d))
            if o { return nil }
            n = r
        }
        return n
    }

    /// Bytes of data, or nil when not representable.
    public var byteCount: Int? { elementCount.flatMap { datatype.byteCount(elements: $0) } }
}

/// `PerChannelQuant`: symmetric per-channel scales, inline (`scale`) or in constant data (`scaleBufferIndex`).
public struct XNNPerChannelQuant: Sendable, Hashable {
    /// Inline scales (always written, possibly empty: the 1.5.1 runtime reads the field unconditionally).
    public var scale: [Float]
    public var channelDim: Int32
    /// Index into ``XNNGraph/constantData`` of float32 scales; 0 = the scales are inline.
    public var scaleBufferIndex: UInt32
    public var numScales: UInt32

    public init(scale: [Float] = [], channelDim: Int32, scaleBufferIndex: UInt32 = 0, numScales: UInt32) {
        self.scale = scale
        self.channelDim = channelDim
        self.scaleBufferIndex = scaleBufferIndex
        self.numScales = numScales
    }
}

/// `PerChannelGroupQuant`: blockwise scales (4-bit weights).
public struct XNNPerChannelGroupQuant: Sendable, Hashable {
    public var scale: [Float]
    public var channelDim: Int32
    public var groupSize: Int32
    public var scaleBufferIndex: UInt32
    public var numScales: UInt32

    public init(scale: [Float] = [], channelDim: Int32, groupSize: Int32, scaleBufferIndex: UInt32 = 0, numScales: UInt32) {
        self.scale = scale
        self.channelDim = channelDim
        self.groupSize = groupSize
        self.scaleBufferIndex = scaleBufferIndex
        self.numScales = numScales
    }
}

/// `XNNQuantParams`: how a quantized value maps to real numbers.
public enum XNNQuantParams: Sendable, Hashable {
    case perChannel(XNNPerChannelQuant)
    case perTensor(scale: Float, zeroPoint: Int32)
    /// Dynamic per-row quantization (qdint8): XNNPACK computes the parameters at run time.
    case perTokenDynamic(numNonbatchDims: Int32)
    case perChannelGroup(XNNPerChannelGroupQuant)

    /// The `XNNQuantParams` union tag.
    public var tag: UInt8 {
        switch self {
        case .perChannel: return 1
        case .perTensor: return 2
        case .perTokenDynamic: return 3
        case .perChannelGroup: return 4
        }
    }

    /// The union member's name in the schema.
    public var name: String { ["", "PerChannelQuant", "PerTensorQuant", "PerTokenDynamicQuant", "PerChannelGroupQuant"][Int(tag)] }
}

/// One entry of `XNNGraph.xvalues` (the `XValueUnion`).
public enum XNNValue: Sendable, Hashable {
    case tensor(XNNTensorValue)
    case quantized(XNNTensorValue, XNNQuantParams)

    /// The tensor part (the whole value for `.tensor`).
    public var tensor: XNNTensorValue {
        get {
            switch self {
            case .tensor(let t), .quantized(let t, _): return t
            }
        }
        set {
            switch self {
            case .tensor: self = .tensor(newValue)
            case .quantized(_, let q): self = .quantized(newValue, q)
            }
        }
    }

    /// The quantization parameters, when quantized.
    public var quantization: XNNQuantParams? { if case .quantized(_, let q) = self { return q }; return nil }
}

/// `OutputMinMax`: a fused clamp of a node's output, in real units.
public struct XNNOutputMinMax: Sendable, Hashable {
    public var min: Float
    public var max: Float

    public init(min: Float, max: Float) {
        self.min = min
        self.max = max
    }

    /// `relu`: `[0, +inf]`.
    public static let relu = XNNOutputMinMax(min: 0, max: .infinity)
}

/// The schema table a node type's fields are stored in (several union members share one table).
public enum XNNNodeTable: String, Sendable, Hashable {
    case node2x1 = "_XNNNode2x1", node1x1 = "_XNNNode1x1", convolution = "_XNNNodeConv", pooling = "_XNNPooling2D"
    case concatenate = "_XNNCat", fullyConnected = "XNNFullyConnected", staticTranspose = "XNNStaticTranspose"
    case staticResizeBilinear2D = "XNNStaticResizeBilinear2D", staticConstantPad = "XNNStaticConstantPad"
    case staticReshape = "XNNStaticReshape", staticSlice = "XNNStaticSlice", argMaxPooling2d = "XNNArgMaxPooling2d"
    case leakyReLU = "XNNLeakyReLU", elu = "XNNELU", scaledDotProductAttention = "XNNScaledDotProductAttention"
}

/// `XNodeUnion` members: raw value = union tag (Grammar/xnnpack.fbs order), with name and table.
public enum XNNNodeType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case add = 1, fullyConnected, softmax, sigmoid, staticTranspose, clamp, conv2d, divide, staticResizeBilinear2D
    case staticConstantPad, avgPooling2d, minimum, depthwiseConv2d, maxPooling2d, multiply, subtract, floor, convert
    case globalAvgPooling2d, staticReshape, argMaxPooling2d, squareRoot, ceiling, hardswish, leakyReLU, maximum
    case negate, square, elu, abs, prelu, concatenate2, concatenate3, concatenate4, staticSlice
    case scaledDotProductAttention, batchMatrixMultiply, concatenate5, convTranspose2d, reciprocalSquareRoot, log
    case gelu, tanh, exp, sin, copy, cos

    /// The union member's name (`XNNConv2d`).
    public var name: String {
        switch self {
        case .add: return "XNNAdd"
        case .fullyConnected: return "XNNFullyConnected"
        case .softmax: return "XNNSoftmax"
        case .sigmoid: return "XNNSigmoid"
        case .staticTranspose: return "XNNStaticTranspose"
        case .clamp: return "XNNClamp"
        case .conv2d: return "XNNConv2d"
        case .divide: return "XNNDiv"
        case .staticResizeBilinear2D: return "XNNStaticResizeBilinear2D"
        case .staticConstantPad: return "XNNStaticConstantPad"
        case .avgPooling2d: return "XNNAvgPooling2d"
        case .minimum: return "XNNMinimum"
        case .depthwiseConv2d: return "XNNDepthwiseConv2d"
        case .maxPooling2d: return "XNNMaxPooling2d"
        case .multiply: return "XNNMultiply"
        case .subtract: return "XNNSubtract"
        case .floor: return "XNNFloor"
        case .convert: return "XNNConvert"
        case .globalAvgPooling2d: return "XNNGlobalAvgPooling2d"
        case .staticReshape: return "XNNStaticReshape"
        case .argMaxPooling2d: return "XNNArgMaxPooling2d"
        case .squareRoot: return "XNNSquareRoot"
        case .ceiling: return "XNNCeiling"
        case .hardswish: return "XNNHardswish"
        case .leakyReLU: return "XNNLeakyReLU"
        case .maximum: return "XNNMaximum"
        case .negate: return "XNNNegate"
        case .square: return "XNNSquare"
        case .elu: return "XNNELU"
        case .abs: return "XNNAbs"
        case .prelu: return "XNNPReLU"
        case .concatenate2: return "XNNConcatenate2"
        case .concatenate3: return "XNNConcatenate3"
        case .concatenate4: return "XNNConcatenate4"
        case .staticSlice: return "XNNStaticSlice"
        case .scaledDotProductAttention: return "XNNScaledDotProductAttention"
        case .batchMatrixMultiply: return "XNNBatchMatrixMultiply"
        case .concatenate5: return "XNNConcatenate5"
        case .convTranspose2d: return "XNNConvTranspose2d"
        case .reciprocalSquareRoot: return "XNNReciprocalSquareRoot"
        case .log: return "XNNLog"
        case .gelu: return "XNNGelu"
        case .tanh: return "XNNTanh"
        case .exp: return "XNNExp"
        case .sin: return "XNNSin"
        case .copy: return "XNNCopy"
        case .cos: return "XNNCos"
        }
    }

    public var description: String { name }

    /// The table holding this member's fields.
    public var table: XNNNodeTable {
        switch self {
        case .add, .divide, .minimum, .maximum, .multiply, .subtract, .prelu, .batchMatrixMultiply: return .node2x1
        case .softmax, .sigmoid, .clamp, .floor, .convert, .globalAvgPooling2d, .squareRoot, .ceiling, .hardswish,
             .negate, .square, .abs, .reciprocalSquareRoot, .log, .gelu, .tanh, .exp, .sin, .copy, .cos: return .node1x1
        case .conv2d, .depthwiseConv2d, .convTranspose2d: return .convolution
        case .avgPooling2d, .maxPooling2d: return .pooling
        case .concatenate2, .concatenate3, .concatenate4, .concatenate5: return .concatenate
        case .fullyConnected: return .fullyConnected
        case .staticTranspose: return .staticTranspose
        case .staticResizeBilinear2D: return .staticResizeBilinear2D
        case .staticConstantPad: return .staticConstantPad
        case .staticReshape: return .staticReshape
        case .staticSlice: return .staticSlice
        case .argMaxPooling2d: return .argMaxPooling2d
        case .leakyReLU: return .leakyReLU
        case .elu: return .elu
        case .scaledDotProductAttention: return .scaledDotProductAttention
        }
    }

    /// The concatenation member for `count` inputs (2...5).
    public static func concatenate(inputs count: Int) -> XNNNodeType? {
        [2: .concatenate2, 3: .concatenate3, 4: .concatenate4, 5: .concatenate5][count]
    }

    /// Whether the runtime applies `output_min_max` to this node (README §6).
    public var readsOutputMinMax: Bool {
        switch self {
        case .conv2d, .depthwiseConv2d, .convTranspose2d, .fullyConnected, .avgPooling2d, .maxPooling2d,
             .globalAvgPooling2d, .add, .subtract, .multiply, .divide, .clamp: return true
        default: return false
        }
    }
}

/// `_XNNNode2x1`: two inputs, one output (binaries broadcast; also PReLU and BatchMatrixMultiply).
public struct XNNNode2x1: Sendable, Hashable {
    public var input1: UInt32, input2: UInt32, output: UInt32, flags: UInt32
    public init(input1: UInt32, input2: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.input1 = input1; self.input2 = input2; self.output = output; self.flags = flags
    }
}

/// `_XNNNode1x1`: one input, one output.
public struct XNNNode1x1: Sendable, Hashable {
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.input = input; self.output = output; self.flags = flags
    }
}

/// Four paddings in XNNPACK's order of names (top, right, bottom, left are separate fields).
public struct XNNPadding2D: Sendable, Hashable {
    public var top: UInt32, right: UInt32, bottom: UInt32, left: UInt32
    public init(top: UInt32 = 0, right: UInt32 = 0, bottom: UInt32 = 0, left: UInt32 = 0) {
        self.top = top; self.right = right; self.bottom = bottom; self.left = left
    }
}

/// `_XNNNodeConv`: NHWC convolution (Conv2d, DepthwiseConv2d, ConvTranspose2d).
public struct XNNConvolution: Sendable, Hashable {
    public var padding: XNNPadding2D
    public var kernelHeight: UInt32, kernelWidth: UInt32
    public var subsamplingHeight: UInt32, subsamplingWidth: UInt32
    public var dilationHeight: UInt32, dilationWidth: UInt32
    public var groupInputChannels: UInt32, groupOutputChannels: UInt32, groups: UInt32
    public var adjustmentHeight: UInt32, adjustmentWidth: UInt32
    public var input: UInt32, filter: UInt32
    /// nil = no bias (written as 0xFFFFFFFF).
    public var bias: UInt32?
    public var output: UInt32
    public var flags: UInt32

    public init(padding: XNNPadding2D = XNNPadding2D(), kernelHeight: UInt32, kernelWidth: UInt32,
                subsamplingHeight: UInt32 = 1, subsamplingWidth: UInt32 = 1, dilationHeight: UInt32 = 1,
                dilationWidth: UInt32 = 1, groupInputChannels: UInt32, groupOutputChannels: UInt32, groups: UInt32 = 1,
                adjustmentHeight: UInt32 = 0, adjustmentWidth: UInt32 = 0, input: UInt32, filter: UInt32,
                bias: UInt32?, output: UInt32, flags: UInt32 = 0) {
        self.padding = padding
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.subsamplingHeight = subsamplingHeight; self.subsamplingWidth = subsamplingWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.groupInputChannels = groupInputChannels; self.groupOutputChannels = groupOutputChannels
        self.groups = groups
        self.adjustmentHeight = adjustmentHeight; self.adjustmentWidth = adjustmentWidth
        self.input = input; self.filter = filter; self.bias = bias; self.output = output; self.flags = flags
    }
}

/// `_XNNPooling2D`: NHWC average / max pooling.
public struct XNNPooling2D: Sendable, Hashable {
    public var padding: XNNPadding2D
    public var poolingHeight: UInt32, poolingWidth: UInt32
    public var strideHeight: UInt32, strideWidth: UInt32
    /// Max pooling only (ExecuTorch writes 0 for average pooling, where it is unused).
    public var dilationHeight: UInt32, dilationWidth: UInt32
    public var input: UInt32, output: UInt32, flags: UInt32

    public init(padding: XNNPadding2D = XNNPadding2D(), poolingHeight: UInt32, poolingWidth: UInt32,
                strideHeight: UInt32, strideWidth: UInt32, dilationHeight: UInt32 = 1, dilationWidth: UInt32 = 1,
                input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.padding = padding
        self.poolingHeight = poolingHeight; self.poolingWidth = poolingWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.input = input; self.output = output; self.flags = flags
    }
}

/// `_XNNCat`: concatenation of 2...5 inputs along `axis` (the node type follows the input count).
public struct XNNConcatenate: Sendable, Hashable {
    public var axis: UInt32
    public var inputs: [UInt32]
    public var output: UInt32
    public var flags: UInt32
    public init(axis: UInt32, inputs: [UInt32], output: UInt32, flags: UInt32 = 0) {
        self.axis = axis; self.inputs = inputs; self.output = output; self.flags = flags
    }
}

/// `XNNFullyConnected`: `output[..., o] = sum_i input[..., i] * filter[o, i] + bias[o]`.
public struct XNNFullyConnected: Sendable, Hashable {
    public var input: UInt32, filter: UInt32
    /// nil = no bias (written as 0xFFFFFFFF).
    public var bias: UInt32?
    public var output: UInt32
    /// `XNN_FLAG_TRANSPOSE_WEIGHTS` (filter `[in, out]`) and friends; ExecuTorch writes 0.
    public var flags: UInt32
    public init(input: UInt32, filter: UInt32, bias: UInt32?, output: UInt32, flags: UInt32 = 0) {
        self.input = input; self.filter = filter; self.bias = bias; self.output = output; self.flags = flags
    }
}

/// `XNNStaticTranspose`: `output.dims[i] = input.dims[perm[i]]`.
public struct XNNStaticTranspose: Sendable, Hashable {
    public var perm: [UInt32]
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(perm: [UInt32], input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.perm = perm; self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNStaticReshape`: the full static output shape.
public struct XNNStaticReshape: Sendable, Hashable {
    public var newShape: [UInt32]
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(newShape: [UInt32], input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.newShape = newShape; self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNStaticSlice`: `output = input[offsets[i] ..< offsets[i] + sizes[i]]` per dimension.
public struct XNNStaticSlice: Sendable, Hashable {
    public var offsets: [UInt32], sizes: [UInt32]
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(offsets: [UInt32], sizes: [UInt32], input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.offsets = offsets; self.sizes = sizes; self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNStaticConstantPad`: pads every dimension with `paddingValue`.
public struct XNNStaticConstantPad: Sendable, Hashable {
    public var prePaddings: [UInt32], postPaddings: [UInt32]
    public var paddingValue: Float
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(prePaddings: [UInt32], postPaddings: [UInt32], paddingValue: Float, input: UInt32, output: UInt32,
                flags: UInt32 = 0) {
        self.prePaddings = prePaddings; self.postPaddings = postPaddings; self.paddingValue = paddingValue
        self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNStaticResizeBilinear2D`.
public struct XNNStaticResizeBilinear2D: Sendable, Hashable {
    public var newHeight: UInt32, newWidth: UInt32
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(newHeight: UInt32, newWidth: UInt32, input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.newHeight = newHeight; self.newWidth = newWidth; self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNArgMaxPooling2d`.
public struct XNNArgMaxPooling2d: Sendable, Hashable {
    public var padding: XNNPadding2D
    public var poolingHeight: UInt32, poolingWidth: UInt32
    public var input: UInt32, outputValue: UInt32, outputIndex: UInt32, flags: UInt32
    public init(padding: XNNPadding2D = XNNPadding2D(), poolingHeight: UInt32, poolingWidth: UInt32, input: UInt32,
                outputValue: UInt32, outputIndex: UInt32, flags: UInt32 = 0) {
        self.padding = padding; self.poolingHeight = poolingHeight; self.poolingWidth = poolingWidth
        self.input = input; self.outputValue = outputValue; self.outputIndex = outputIndex; self.flags = flags
    }
}

/// `XNNLeakyReLU` and `XNNELU`: a unary node with one float parameter.
public struct XNNUnaryWithParameter: Sendable, Hashable {
    /// `negative_slope` (LeakyReLU) or `alpha` (ELU).
    public var parameter: Float
    public var input: UInt32, output: UInt32, flags: UInt32
    public init(_ parameter: Float, input: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.parameter = parameter; self.input = input; self.output = output; self.flags = flags
    }
}

/// `XNNScaledDotProductAttention` (in the schema; the 1.5.1 runtime has no handler).
public struct XNNScaledDotProductAttention: Sendable, Hashable {
    public var query: UInt32, key: UInt32, value: UInt32, scale: UInt32, mask: UInt32, output: UInt32, flags: UInt32
    public init(query: UInt32, key: UInt32, value: UInt32, scale: UInt32, mask: UInt32, output: UInt32, flags: UInt32 = 0) {
        self.query = query; self.key = key; self.value = value; self.scale = scale; self.mask = mask
        self.output = output; self.flags = flags
    }
}

/// A node's fields, by the table that stores them.
public enum XNNNodeFields: Sendable, Hashable {
    case node2x1(XNNNode2x1)
    case node1x1(XNNNode1x1)
    case convolution(XNNConvolution)
    case pooling(XNNPooling2D)
    case concatenate(XNNConcatenate)
    case fullyConnected(XNNFullyConnected)
    case staticTranspose(XNNStaticTranspose)
    case staticResizeBilinear2D(XNNStaticResizeBilinear2D)
    case staticConstantPad(XNNStaticConstantPad)
    case staticReshape(XNNStaticReshape)
    case staticSlice(XNNStaticSlice)
    case argMaxPooling2d(XNNArgMaxPooling2d)
    /// `XNNLeakyReLU` or `XNNELU` (the node type says which).
    case unaryWithParameter(XNNUnaryWithParameter)
    case scaledDotProductAttention(XNNScaledDotProductAttention)

    /// The schema table these fields belong to (`unaryWithParameter` serves two).
    func matches(_ table: XNNNodeTable) -> Bool {
        switch (self, table) {
        case (.node2x1, .node2x1), (.node1x1, .node1x1), (.convolution, .convolution), (.pooling, .pooling),
             (.concatenate, .concatenate), (.fullyConnected, .fullyConnected), (.staticTranspose, .staticTranspose),
             (.staticResizeBilinear2D, .staticResizeBilinear2D), (.staticConstantPad, .staticConstantPad),
             (.staticReshape, .staticReshape), (.staticSlice, .staticSlice), (.argMaxPooling2d, .argMaxPooling2d),
             (.unaryWithParameter, .leakyReLU), (.unaryWithParameter, .elu),
             (.scaledDotProductAttention, .scaledDotProductAttention): return true
        default: return false
        }
    }

    /// The value ids the node reads (absent optional ids left out).
    public var inputs: [UInt32] {
        switch self {
        case .node2x1(let n): return [n.input1, n.input2]
        case .node1x1(let n): return [n.input]
        case .convolution(let n): return [n.input, n.filter] + (n.bias.map { [$0] } ?? [])
        case .pooling(let n): return [n.input]
        case .concatenate(let n): return n.inputs
        case .fullyConnected(let n): return [n.input, n.filter] + (n.bias.map { [$0] } ?? [])
        case .staticTranspose(let n): return [n.input]
        case .staticResizeBilinear2D(let n): return [n.input]
        case .staticConstantPad(let n): return [n.input]
        case .staticReshape(let n): return [n.input]
        case .staticSlice(let n): return [n.input]
        case .argMaxPooling2d(let n): return [n.input]
        case .unaryWithParameter(let n): return [n.input]
        case .scaledDotProductAttention(let n):
            return [n.query, n.key, n.value, n.scale] + (n.mask == xnnInvalidValueID ? [] : [n.mask])
        }
    }

    /// The value ids the node writes.
    public var outputs: [UInt32] {
        switch self {
        case .node2x1(let n): return [n.output]
        case .node1x1(let n): return [n.output]
        case .convolution(let n): return [n.output]
        case .pooling(let n): return [n.output]
        case .concatenate(let n): return [n.output]
        case .fullyConnected(let n): return [n.output]
        case .staticTranspose(let n): return [n.output]
        case .staticResizeBilinear2D(let n): return [n.output]
        case .staticConstantPad(let n): return [n.output]
        case .staticReshape(let n): return [n.output]
        case .staticSlice(let n): return [n.output]
        case .argMaxPooling2d(let n): return [n.outputValue, n.outputIndex]
        case .unaryWithParameter(let n): return [n.output]
        case .scaledDotProductAttention(let n): return [n.output]
        }
    }
}

/// One entry of `XNNGraph.xnodes`: the node type (union tag), its fields, debug handle and fused clamp.
public struct XNode: Sendable, Hashable {
    public var type: XNNNodeType
    public var fields: XNNNodeFields
    /// The Edge IR node's debug handle (ExecuTorch writes 65535 for nodes it inserted).
    public var debugHandle: UInt32
    /// The fused output clamp; nil = none (the runtime then uses `[-inf, +inf]`).
    public var outputMinMax: XNNOutputMinMax?

    public init(_ type: XNNNodeType, _ fields: XNNNodeFields, debugHandle: UInt32 = 0, outputMinMax: XNNOutputMinMax? = nil) {
        self.type = type
        self.fields = fields
        self.debugHandle = debugHandle
        self.outputMinMax = outputMinMax
    }

    /// A two-input node (`add`, `subtract`, `multiply`, `divide`, `minimum`, `maximum`, `prelu`, `batchMatrixMultiply`).
    public static func binary(_ type: XNNNodeType, _ input1: UInt32, _ input2: UInt32, output: UInt32,
                              outputMinMax: XNNOutputMinMax? = nil, debugHandle: UInt32 = 0) -> XNode {
        XNode(type, .node2x1(XNNNode2x1(input1: input1, input2: input2, output: output)), debugHandle: debugHandle,
              outputMinMax: outputMinMax)
    }

    /// A one-input node (`sigmoid`, `softmax`, `clamp`, `hardswish`, `globalAvgPooling2d`, `convert`, ...).
    public static func unary(_ type: XNNNodeType, _ input: UInt32, output: UInt32, flags: UInt32 = 0,
                             outputMinMax: XNNOutputMinMax? = nil, debugHandle: UInt32 = 0) -> XNode {
        XNode(type, .node1x1(XNNNode1x1(input: input, output: output, flags: flags)), debugHandle: debugHandle,
              outputMinMax: outputMinMax)
    }

    /// A concatenation; the node type follows the input count (2...5; others fail validation).
    public static func concatenate(_ fields: XNNConcatenate, debugHandle: UInt32 = 0) -> XNode {
        XNode(XNNNodeType.concatenate(inputs: fields.inputs.count) ?? .concatenate2, .concatenate(fields), debugHandle: debugHandle)
    }
}

/// `XNN_FLAG_KEEP_DIMS`: pooling and reductions keep reduced dimensions as 1.
public let xnnFlagKeepDims: UInt32 = 0x40
/// `XNN_FLAG_TRANSPOSE_WEIGHTS`: a fully connected filter stored `[in, out]`.
public let xnnFlagTransposeWeights: UInt32 = 0x1
/// `XNN_FLAG_ALIGN_CORNERS`: bilinear resize maps corner pixels to corner pixels.
public let xnnFlagAlignCorners: UInt32 = 0x8
/// `XNN_FLAG_TENSORFLOW_LEGACY_MODE`: bilinear resize without half-pixel centers.
public let xnnFlagTensorflowLegacyMode: UInt32 = 0x4

/// One entry of `XNNGraph.constant_data`: a range of the payload's constant region, or a named-data key.
public struct XNNConstantData: Sendable, Hashable {
    /// Offset in the payload's constant region (ExecuTorch writes UINT64_MAX for named data).
    public var offset: UInt64
    public var size: UInt64
    /// When present, the data is the program's named data of this key (the runtime tells the forms apart by presence).
    public var namedKey: String?

    public init(offset: UInt64, size: UInt64, namedKey: String? = nil) {
        self.offset = offset
        self.size = size
        self.namedKey = namedKey
    }

    /// Entry 0, reserved ("no data").
    public static let reserved = XNNConstantData(offset: 0, size: 0, namedKey: nil)
}

/// Where a tensor is bound outside the delegate: `args[id]` of the delegate call.
public enum XNNExternal: Sendable, Hashable {
    case input(UInt32)
    case output(UInt32)
}

/// An XNNPACK delegate graph: values, nodes, constant entries and the payload's constant region.
public struct XNNGraph: Sendable, Hashable {
    public var version: String
    public var values: [XNNValue]
    public var nodes: [XNode]
    /// Number of delegate arguments (inputs then outputs).
    public var numExterns: UInt32
    /// Value ids of the external inputs / outputs (informational: the runtime binds by `external_id`).
    public var inputIDs: [UInt32]
    public var outputIDs: [UInt32]
    /// `constant_data`; entry 0 is ``XNNConstantData/reserved``.
    public var constantData: [XNNConstantData]
    /// The payload's constant region (self-contained constants; offsets are relative to its start).
    public var constantRegion: [UInt8]

    /// Alignment of each constant in the constant region (ExecuTorch's `CONSTANT_TENSOR_ALIGNMENT`).
    public static let constantAlignment = 16

    public init(version: String = "0", values: [XNNValue] = [], nodes: [XNode] = [], numExterns: UInt32 = 0,
                inputIDs: [UInt32] = [], outputIDs: [UInt32] = [], constantData: [XNNConstantData] = [.reserved],
                constantRegion: [UInt8] = []) {
        self.version = version
        self.values = values
        self.nodes = nodes
        self.numExterns = numExterns
        self.inputIDs = inputIDs
        self.outputIDs = outputIDs
        self.constantData = constantData
        self.constantRegion = constantRegion
    }

    // MARK: Building

    /// Appends a tensor value and returns its id (its index in ``values``). An external value also
    /// gets its flag, is listed in ``inputIDs``/``outputIDs`` and raises ``numExterns``.
    @discardableResult
    public mutating func addTensor(_ datatype: XNNDatatype = .fp32, dims: [UInt32], constant: UInt32 = 0,
                                   external: XNNExternal? = nil) -> UInt32 {
        addValue(.tensor(XNNTensorValue(datatype: datatype, dims: dims, constantBufferIndex: constant, id: 0)), external: external)
    }

    /// Appends a quantized tensor value and returns its id.
    @discardableResult
    public mutating func addQuantizedTensor(_ datatype: XNNDatatype, dims: [UInt32], quantization: XNNQuantParams,
                                            constant: UInt32 = 0, external: XNNExternal? = nil) -> UInt32 {
        addValue(.quantized(XNNTensorValue(datatype: datatype, dims: dims, constantBufferIndex: constant, id: 0), quantization),
                 external: external)
    }

    /// Appends `value` with its id set to its index; `external` as for ``addTensor(_:dims:constant:external:)``.
    @discardableResult
    public mutating func addValue(_ value: XNNValue, external: XNNExternal? = nil) -> UInt32 {
        var v = value
        let id = UInt32(values.count)
        v.tensor.id = id
        switch external {
        case .input(let e)?:
            v.tensor.externalID = e
            v.tensor.flags = .externalInput
            inputIDs.append(id)
            numExterns = max(numExterns, e + 1)
        case .output(let e)?:
            v.tensor.externalID = e
            v.tensor.flags = .externalOutput
            outputIDs.append(id)
            numExterns = max(numExterns, e + 1)
        case nil:
            break
        }
        values.append(v)
        return id
    }

    /// Appends `bytes` to the constant region (16-byte aligned) and returns the new `constant_data`
    /// index; identical bytes already added return the existing index.
    public mutating func addConstant(_ bytes: [UInt8]) -> UInt32 {
        for (i, entry) in constantData.enumerated() where i > 0 && entry.namedKey == nil && entry.size == UInt64(bytes.count) {
            let start = Int(entry.offset)
            if constantRegion[start ..< start + bytes.count].elementsEqual(bytes) { return UInt32(i) }
        }
        let pad = (Self.constantAlignment - constantRegion.count % Self.constantAlignment) % Self.constantAlignment
        constantRegion.append(contentsOf: repeatElement(0, count: pad))
        constantData.append(XNNConstantData(offset: UInt64(constantRegion.count), size: UInt64(bytes.count)))
        constantRegion.append(contentsOf: bytes)
        return UInt32(constantData.count - 1)
    }

    /// Appends float32 data as a constant (little-endian bit patterns, exact).
    public mutating func addConstant(floats: [Float]) -> UInt32 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * 4)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return addConstant(bytes)
    }

    /// Appends a `constant_data` entry that refers to the program's named data `key` of `size` bytes
    /// (offset UINT64_MAX, as ExecuTorch writes it) and returns its index.
    public mutating func addNamedConstant(key: String, size: Int) -> UInt32 {
        if let i = constantData.indices.dropFirst().first(where: { constantData[$0].namedKey == key }) { return UInt32(i) }
        constantData.append(XNNConstantData(offset: UInt64.max, size: UInt64(size), namedKey: key))
        return UInt32(constantData.count - 1)
    }

    /// Appends a node.
    public mutating func addNode(_ node: XNode) {
        nodes.append(node)
    }

    /// The value with id `id`, if any (ids are the values' `id_out`, usually their index).
    public func value(id: UInt32) -> XNNValue? {
        if Int(id) < values.count, values[Int(id)].tensor.id == id { return values[Int(id)] }
        return values.first { $0.tensor.id == id }
    }

    /// Number of nodes of each type, by name (for `inspect`).
    public var nodeCounts: [(name: String, count: Int)] {
        var counts: [XNNNodeType: Int] = [:]
        for n in nodes { counts[n.type, default: 0] += 1 }
        return counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.name, $0.value) }
    }

    /// The arithmetic the graph runs: `fp32`, or `int8 (qs8)` / `int8 (qd8)` / `int8 (qs8, qd8)`
    /// (with `+ fp32` when fp32 nodes run too): static INT8 when a node writes a qint8 value,
    /// dynamic when a value is qdint8.
    public var precision: String {
        var kinds: [String] = []
        if values.contains(where: { $0.tensor.datatype == .qint8 }) { kinds.append("qs8") }
        if values.contains(where: { $0.tensor.datatype == .qdint8 }) { kinds.append("qd8") }
        if values.contains(where: { $0.tensor.datatype == .qbint4 }) { kinds.append("qb4w") }
        guard !kinds.isEmpty else { return "fp32" }
        // A node writing fp32 other than a Convert or a qd8 fully connected (fp32 out, int8 arithmetic).
        let floatNodes = nodes.contains { n in
            if n.type == .convert { return false }
            if n.type == .fullyConnected, n.fields.inputs.first.flatMap({ value(id: $0) })?.tensor.datatype == .qdint8 { return false }
            return n.fields.outputs.contains { value(id: $0)?.tensor.datatype == .fp32 }
        }
        return "int8 (\(kinds.joined(separator: ", ")))" + (floatNodes ? " + fp32" : "")
    }

    /// Bytes of constant data held by quantized values (qcint8 filters, qcint32 biases, ...).
    public var quantizedConstantBytes: UInt64 {
        values.reduce(0) { sum, v in
            let t = v.tensor
            guard v.quantization != nil, t.constantBufferIndex != 0, Int(t.constantBufferIndex) < constantData.count else { return sum }
            return sum &+ constantData[Int(t.constantBufferIndex)].size
        }
    }

    /// Bytes of constant data the graph refers to (self-contained and named).
    public var constantBytes: UInt64 { constantData.reduce(0) { $0 &+ $1.size } }
}

/// A payload or graph that is malformed, with the reason (and the value or node it concerns).
public struct XNNPACKError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
