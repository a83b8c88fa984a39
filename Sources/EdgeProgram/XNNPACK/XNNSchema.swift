import FlatBuffers

// Field slots and verifier descriptions of Grammar/xnnpack.fbs. Every table's fields are listed
// once, in slot order; the writer and the reader address fields by these slots, and
// XNNPACKSchemaTests checks the lists against flatc and ExecuTorch's slot listing.

/// Vtable slots of the XNNGraph schema's tables (a union takes two: tag, then value).
enum XNNSlot {
    enum Graph { static let version = 0, xnodes = 1, xvalues = 2, numExterns = 3, inputIDs = 4, outputIDs = 5,
                 constantBuffer = 6, memBufferSizes = 7, constantData = 8 }
    enum XValue { static let union = 0 }
    enum TensorValue { static let datatype = 0, numDims = 1, dims = 2, constantBufferIdx = 3, externalID = 4, flags = 5, idOut = 6 }
    enum QuantizedTensorValue { static let tensorValue = 0, quantParams = 1 }
    enum XNode { static let union = 0, debugHandle = 2, outputMinMax = 3 }
    enum OutputMinMax { static let min = 0, max = 1 }
    enum ConstantDataOffset { static let offset = 0, size = 1, namedKey = 2 }
    enum PerChannelQuant { static let scale = 0, channelDim = 1, scaleBufferIdx = 2, numScales = 3 }
    enum PerChannelGroupQuant { static let scale = 0, channelDim = 1, groupSize = 2, scaleBF16 = 3, scaleBufferIdx = 4, numScales = 5 }
    enum PerTensorQuant { static let scale = 0, zeroPoint = 1 }
    enum PerTokenDynamicQuant { static let numNonbatchDims = 0 }
}

/// The schema of every table, one declaration: names in slot order with their kinds.
public enum XNNSchema {
    /// A field's type as the schema spells it (for the slot listing test).
    public enum Kind: String, Sendable { case uint, int, float, short, uint64, string, uintVector = "[uint]", floatVector = "[float]" }

    /// `(table, [(field, kind)])` for every node table, in slot order.
    public static let nodeTables: [XNNNodeTable: [(String, Kind)]] = [
        .node2x1: [("input1_id", .uint), ("input2_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .node1x1: [("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .convolution: ["padding_top", "padding_right", "padding_bottom", "padding_left", "kernel_height", "kernel_width",
                       "subsampling_height", "subsampling_width", "dilation_height", "dilation_width",
                       "group_input_channels", "group_output_channels", "groups", "adjustment_height", "adjustment_width",
                       "input1_id", "filter_id", "bias_id", "output_id", "flags"].map { ($0, .uint) },
        .pooling: ["padding_top", "padding_right", "padding_bottom", "padding_left", "pooling_height", "pooling_width",
                   "stride_height", "stride_width", "dilation_height", "dilation_width", "input_id", "output_id",
                   "flags"].map { ($0, .uint) },
        .concatenate: ["axis", "input1_id", "input2_id", "input3_id", "input4_id", "output_id", "flags", "input5_id"].map { ($0, .uint) },
        .fullyConnected: ["input1_id", "filter_id", "bias_id", "output_id", "flags"].map { ($0, .uint) },
        .staticTranspose: [("num_dims", .uint), ("perm", .uintVector), ("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .staticResizeBilinear2D: ["new_height", "new_width", "input_id", "output_id", "flags"].map { ($0, .uint) },
        .staticConstantPad: [("pre_paddings", .uintVector), ("post_paddings", .uintVector), ("padding_value", .float),
                             ("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .staticReshape: [("num_dims", .uint), ("new_shape", .uintVector), ("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .staticSlice: [("num_dims", .uint), ("offsets", .uintVector), ("sizes", .uintVector), ("input_id", .uint),
                       ("output_id", .uint), ("flags", .uint)],
        .argMaxPooling2d: ["padding_top", "padding_right", "padding_bottom", "padding_left", "pooling_height", "pooling_width",
                           "input_id", "output_value_id", "output_index_id", "flags"].map { ($0, .uint) },
        .leakyReLU: [("negative_slope", .float), ("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .elu: [("alpha", .float), ("input_id", .uint), ("output_id", .uint), ("flags", .uint)],
        .scaledDotProductAttention: ["query_id", "key_id", "value_id", "scale_id", "mask_id", "output_id", "flags"].map { ($0, .uint) },
    ]

    static func fieldKind(_ kind: Kind) -> FieldKind {
        switch kind {
        case .uint, .int, .float: return .scalar(size: 4)
        case .short: return .scalar(size: 2)
        case .uint64: return .scalar(size: 8)
        case .string: return .string
        case .uintVector, .floatVector: return .vectorOfScalars(size: 4)
        }
    }

    static func table(_ name: String, _ fields: [(String, Kind)]) -> TableSchema {
        TableSchema(name, fields.enumerated().map { .init($0.element.0, slot: $0.offset, fieldKind($0.element.1)) })
    }

    static let nodeSchemas: [XNNNodeTable: TableSchema] = {
        var out: [XNNNodeTable: TableSchema] = [:]
        for (t, fields) in nodeTables { out[t] = table(t.rawValue, fields) }
        return out
    }()

    static let tensorValue = TableSchema("XNNTensorValue", [
        .init("datatype", slot: XNNSlot.TensorValue.datatype, .scalar(size: 2)),
        .init("num_dims", slot: XNNSlot.TensorValue.numDims, .scalar(size: 4)),
        .init("dims", slot: XNNSlot.TensorValue.dims, .vectorOfScalars(size: 4)),
        .init("constant_buffer_idx", slot: XNNSlot.TensorValue.constantBufferIdx, .scalar(size: 4)),
        .init("external_id", slot: XNNSlot.TensorValue.externalID, .scalar(size: 4)),
        .init("flags", slot: XNNSlot.TensorValue.flags, .scalar(size: 4)),
        .init("id_out", slot: XNNSlot.TensorValue.idOut, .scalar(size: 4)),
    ])
    static let perChannelQuant = TableSchema("PerChannelQuant", [
        .init("scale", slot: XNNSlot.PerChannelQuant.scale, .vectorOfScalars(size: 4)),
        .init("channel_dim", slot: XNNSlot.PerChannelQuant.channelDim, .scalar(size: 4)),
        .init("scale_buffer_idx", slot: XNNSlot.PerChannelQuant.scaleBufferIdx, .scalar(size: 4)),
        .init("num_scales", slot: XNNSlot.PerChannelQuant.numScales, .scalar(size: 4)),
    ])
    static let perChannelGroupQuant = TableSchema("PerChannelGroupQuant", [
        .init("scale", slot: XNNSlot.PerChannelGroupQuant.scale, .vectorOfScalars(size: 4)),
        .init("channel_dim", slot: XNNSlot.PerChannelGroupQuant.channelDim, .scalar(size: 4)),
        .init("group_size", slot: XNNSlot.PerChannelGroupQuant.groupSize, .scalar(size: 4)),
        .init("scale_buffer_idx", slot: XNNSlot.PerChannelGroupQuant.scaleBufferIdx, .scalar(size: 4)),
        .init("num_scales", slot: XNNSlot.PerChannelGroupQuant.numScales, .scalar(size: 4)),
    ])
    static let perTensorQuant = TableSchema("PerTensorQuant", [
        .init("scale", slot: XNNSlot.PerTensorQuant.scale, .scalar(size: 4)),
        .init("zero_point", slot: XNNSlot.PerTensorQuant.zeroPoint, .scalar(size: 4)),
    ])
    static let perTokenDynamicQuant = TableSchema("PerTokenDynamicQuant", [
        .init("num_nonbatch_dims", slot: XNNSlot.PerTokenDynamicQuant.numNonbatchDims, .scalar(size: 4)),
    ])
    static let quantizedTensorValue = TableSchema("XNNQuantizedTensorValue", [
        .init("tensor_value", slot: XNNSlot.QuantizedTensorValue.tensorValue, .table { XNNSchema.tensorValue }, required: true),
        .init("quant_params", slot: XNNSlot.QuantizedTensorValue.quantParams, .union([
            1: { XNNSchema.perChannelQuant }, 2: { XNNSchema.perTensorQuant },
            3: { XNNSchema.perTokenDynamicQuant }, 4: { XNNSchema.perChannelGroupQuant },
        ]), required: true),
    ])
    static let xvalue = TableSchema("XValue", [
        .init("xvalue_union", slot: XNNSlot.XValue.union, .union([
            1: { XNNSchema.tensorValue }, 2: { XNNSchema.quantizedTensorValue },
        ]), required: true),
    ])
    static let outputMinMax = TableSchema("OutputMinMax", [
        .init("output_min", slot: XNNSlot.OutputMinMax.min, .scalar(size: 4)),
        .init("output_max", slot: XNNSlot.OutputMinMax.max, .scalar(size: 4)),
    ])
    static let xnode: TableSchema = {
        var members: [UInt8: @Sendable () -> TableSchema] = [:]
        for type in XNNNodeType.allCases {
            let table = type.table
            members[type.rawValue] = { XNNSchema.nodeSchemas[table] ?? TableSchema(table.rawValue, []) }
        }
        return TableSchema("XNode", [
            .init("xnode_union", slot: XNNSlot.XNode.union, .union(members), required: true),
            .init("debug_handle", slot: XNNSlot.XNode.debugHandle, .scalar(size: 4)),
            .init("output_min_max", slot: XNNSlot.XNode.outputMinMax, .table { XNNSchema.outputMinMax }),
        ])
    }()
    static let constantDataOffset = TableSchema("ConstantDataOffset", [
        .init("offset", slot: XNNSlot.ConstantDataOffset.offset, .scalar(size: 8)),
        .init("size", slot: XNNSlot.ConstantDataOffset.size, .scalar(size: 8)),
        .init("named_key", slot: XNNSlot.ConstantDataOffset.namedKey, .string),
    ])
    /// Every table edgec reads and writes (deprecated fields left out), for the schema tests.
    public static var allTables: [TableSchema] {
        [graph, xnode, xvalue, tensorValue, quantizedTensorValue, perChannelQuant, perChannelGroupQuant, perTensorQuant,
         perTokenDynamicQuant, outputMinMax, constantDataOffset] + nodeSchemas.values.sorted { $0.name < $1.name }
    }

    static let graph = TableSchema("XNNGraph", [
        .init("version", slot: XNNSlot.Graph.version, .string),
        .init("xnodes", slot: XNNSlot.Graph.xnodes, .vectorOfTables { XNNSchema.xnode }),
        .init("xvalues", slot: XNNSlot.Graph.xvalues, .vectorOfTables { XNNSchema.xvalue }),
        .init("num_externs", slot: XNNSlot.Graph.numExterns, .scalar(size: 4)),
        .init("input_ids", slot: XNNSlot.Graph.inputIDs, .vectorOfScalars(size: 4)),
        .init("output_ids", slot: XNNSlot.Graph.outputIDs, .vectorOfScalars(size: 4)),
        .init("constant_data", slot: XNNSlot.Graph.constantData, .vectorOfTables { XNNSchema.constantDataOffset }),
    ])
}
