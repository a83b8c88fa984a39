import FlatBuffers

// Field slots and verifier descriptions of the ExecuTorch Program schema subset edgec reads
// and writes (Grammar/program.fbs, a copy of the field order of ExecuTorch 1.5.1's
// `executorch/schema/program.fbs`). The writer and the reader use the same slot numbers.

/// Vtable slots of each table, in schema field order.
enum Slot {
    enum Program { static let version = 0, executionPlan = 1, constantBuffer = 2, backendDelegateData = 3,
                   segments = 4, constantSegment = 5, mutableDataSegments = 6, namedData = 7 }
    enum Plan { static let name = 0, containerMetaType = 1, values = 2, inputs = 3, outputs = 4, chains = 5,
                operators = 6, delegates = 7, nonConstBufferSizes = 8 }
    enum ContainerMetadata { static let encodedInpStr = 0, encodedOutStr = 1 }
    enum EValue { static let val = 0 }  // union: tag in 0, value in 1
    enum Tensor { static let scalarType = 0, storageOffset = 1, sizes = 2, dimOrder = 3, requiresGrad = 4,
                  dataBufferIdx = 5, allocationInfo = 6, layout = 7, shapeDynamism = 8, extraTensorInfo = 9 }
    enum Allocation { static let memoryID = 0, offsetLow = 1, offsetHigh = 2 }
    enum Chain { static let inputs = 0, outputs = 1, instructions = 2, stacktrace = 3 }
    enum Frame { static let filename = 0, lineno = 1, name = 2, context = 3 }
    enum FrameList { static let items = 0 }
    enum Instruction { static let instrArgs = 0 }  // union
    enum KernelCall { static let opIndex = 0, args = 1 }
    enum Operator { static let name = 0, overload = 1 }
    enum Buffer { static let storage = 0 }
    enum DataSegment { static let offset = 0, size = 1 }
    enum SubsegmentOffsets { static let segmentIndex = 0, offsets = 1 }
    enum DelegateCall { static let delegateIndex = 0, args = 1 }
    enum JumpFalseCall { static let condValueIndex = 0, destinationInstruction = 1 }
    enum MoveCall { static let moveFrom = 0, moveTo = 1 }
    enum BackendDelegate { static let id = 0, processed = 1, compileSpecs = 2 }
    enum DataReference { static let location = 0, index = 1 }
    enum CompileSpec { static let key = 0, value = 1 }
    enum InlineData { static let data = 0 }
    enum NamedData { static let key = 0, segmentIndex = 1 }
}

/// `InstructionArguments` union tags.
enum InstructionTag {
    static let kernelCall: UInt8 = 1, delegateCall: UInt8 = 2, moveCall: UInt8 = 3, jumpFalseCall: UInt8 = 4, freeCall: UInt8 = 5
}

/// Verifier descriptions of every table the reader touches.
enum ProgramSchema {
    static let int = TableSchema("Int", [.init("int_val", slot: 0, .scalar(size: 8))])
    static let bool = TableSchema("Bool", [.init("bool_val", slot: 0, .scalar(size: 1))])
    static let double = TableSchema("Double", [.init("double_val", slot: 0, .scalar(size: 8))])
    static let string = TableSchema("String", [.init("string_val", slot: 0, .string)])
    static let intList = TableSchema("IntList", [.init("items", slot: 0, .vectorOfScalars(size: 8))])
    static let doubleList = TableSchema("DoubleList", [.init("items", slot: 0, .vectorOfScalars(size: 8))])
    static let boolList = TableSchema("BoolList", [.init("items", slot: 0, .vectorOfScalars(size: 1))])
    static let indexList = TableSchema("TensorList", [.init("items", slot: 0, .vectorOfScalars(size: 4))])
    static let null = TableSchema("Null", [])
    static let allocation = TableSchema("AllocationDetails", [
        .init("memory_id", slot: Slot.Allocation.memoryID, .scalar(size: 4)),
        .init("memory_offset_low", slot: Slot.Allocation.offsetLow, .scalar(size: 4)),
        .init("memory_offset_high", slot: Slot.Allocation.offsetHigh, .scalar(size: 4)),
    ])
    static let tensor = TableSchema("Tensor", [
        .init("scalar_type", slot: Slot.Tensor.scalarType, .scalar(size: 1)),
        .init("storage_offset", slot: Slot.Tensor.storageOffset, .scalar(size: 4)),
        .init("sizes", slot: Slot.Tensor.sizes, .vectorOfScalars(size: 4)),
        .init("dim_order", slot: Slot.Tensor.dimOrder, .vectorOfScalars(size: 1)),
        .init("requires_grad", slot: Slot.Tensor.requiresGrad, .scalar(size: 1)),
        .init("data_buffer_idx", slot: Slot.Tensor.dataBufferIdx, .scalar(size: 4)),
        .init("allocation_info", slot: Slot.Tensor.allocationInfo, .table { ProgramSchema.allocation }),
        .init("layout", slot: Slot.Tensor.layout, .scalar(size: 1)),
        .init("shape_dynamism", slot: Slot.Tensor.shapeDynamism, .scalar(size: 1)),
    ])
    static let evalue = TableSchema("EValue", [
        .init("val", slot: Slot.EValue.val, .union([
            1: { ProgramSchema.null }, 2: { ProgramSchema.int }, 3: { ProgramSchema.bool },
            4: { ProgramSchema.double }, 5: { ProgramSchema.tensor }, 6: { ProgramSchema.string },
            7: { ProgramSchema.intList }, 8: { ProgramSchema.doubleList }, 9: { ProgramSchema.boolList },
            10: { ProgramSchema.indexList }, 11: { ProgramSchema.indexList },
        ])),
    ])
    static let kernelCall = TableSchema("KernelCall", [
        .init("op_index", slot: Slot.KernelCall.opIndex, .scalar(size: 4)),
        .init("args", slot: Slot.KernelCall.args, .vectorOfScalars(size: 4)),
    ])
    static let delegateCall = TableSchema("DelegateCall", [
        .init("delegate_index", slot: Slot.DelegateCall.delegateIndex, .scalar(size: 4)),
        .init("args", slot: Slot.DelegateCall.args, .vectorOfScalars(size: 4)),
    ])
    static let dataReference = TableSchema("BackendDelegateDataReference", [
        .init("location", slot: Slot.DataReference.location, .scalar(size: 1)),
        .init("index", slot: Slot.DataReference.index, .scalar(size: 4)),
    ])
    static let compileSpec = TableSchema("CompileSpec", [
        .init("key", slot: Slot.CompileSpec.key, .string),
        .init("value", slot: Slot.CompileSpec.value, .vectorOfScalars(size: 1)),
    ])
    static let backendDelegate = TableSchema("BackendDelegate", [
        .init("id", slot: Slot.BackendDelegate.id, .string),
        .init("processed", slot: Slot.BackendDelegate.processed, .table { ProgramSchema.dataReference }),
        .init("compile_specs", slot: Slot.BackendDelegate.compileSpecs, .vectorOfTables { ProgramSchema.compileSpec }),
    ])
    static let inlineData = TableSchema("BackendDelegateInlineData", [
        .init("data", slot: Slot.InlineData.data, .vectorOfScalars(size: 1, alignment: 16)),
    ])
    static let namedData = TableSchema("NamedData", [
        .init("key", slot: Slot.NamedData.key, .string),
        .init("segment_index", slot: Slot.NamedData.segmentIndex, .scalar(size: 4)),
    ])
    static let jumpFalseCall = TableSchema("JumpFalseCall", [
        .init("cond_value_index", slot: Slot.JumpFalseCall.condValueIndex, .scalar(size: 4)),
        .init("destination_instruction", slot: Slot.JumpFalseCall.destinationInstruction, .scalar(size: 4)),
    ])
    static let moveCall = TableSchema("MoveCall", [
        .init("move_from", slot: Slot.MoveCall.moveFrom, .scalar(size: 4)),
        .init("move_to", slot: Slot.MoveCall.moveTo, .scalar(size: 4)),
    ])
    static let otherCall = TableSchema("Call", [])
    static let instruction = TableSchema("Instruction", [
        .init("instr_args", slot: Slot.Instruction.instrArgs, .union([
            1: { ProgramSchema.kernelCall }, 2: { ProgramSchema.delegateCall }, 3: { ProgramSchema.moveCall },
            4: { ProgramSchema.jumpFalseCall }, 5: { ProgramSchema.otherCall },
        ])),
    ])
    static let frame = TableSchema("Frame", [
        .init("filename", slot: Slot.Frame.filename, .string),
        .init("lineno", slot: Slot.Frame.lineno, .scalar(size: 4)),
        .init("name", slot: Slot.Frame.name, .string),
        .init("context", slot: Slot.Frame.context, .string),
    ])
    static let frameList = TableSchema("FrameList", [
        .init("items", slot: Slot.FrameList.items, .vectorOfTables { ProgramSchema.frame }),
    ])
    static let chain = TableSchema("Chain", [
        .init("inputs", slot: Slot.Chain.inputs, .vectorOfScalars(size: 4)),
        .init("outputs", slot: Slot.Chain.outputs, .vectorOfScalars(size: 4)),
        .init("instructions", slot: Slot.Chain.instructions, .vectorOfTables { ProgramSchema.instruction }),
        .init("stacktrace", slot: Slot.Chain.stacktrace, .vectorOfTables { ProgramSchema.frameList }),
    ])
    static let `operator` = TableSchema("Operator", [
        .init("name", slot: Slot.Operator.name, .string),
        .init("overload", slot: Slot.Operator.overload, .string),
    ])
    static let containerMetadata = TableSchema("ContainerMetadata", [
        .init("encoded_inp_str", slot: Slot.ContainerMetadata.encodedInpStr, .string),
        .init("encoded_out_str", slot: Slot.ContainerMetadata.encodedOutStr, .string),
    ])
    static let plan = TableSchema("ExecutionPlan", [
        .init("name", slot: Slot.Plan.name, .string),
        .init("container_meta_type", slot: Slot.Plan.containerMetaType, .table { ProgramSchema.containerMetadata }),
        .init("values", slot: Slot.Plan.values, .vectorOfTables { ProgramSchema.evalue }),
        .init("inputs", slot: Slot.Plan.inputs, .vectorOfScalars(size: 4)),
        .init("outputs", slot: Slot.Plan.outputs, .vectorOfScalars(size: 4)),
        .init("chains", slot: Slot.Plan.chains, .vectorOfTables { ProgramSchema.chain }),
        .init("operators", slot: Slot.Plan.operators, .vectorOfTables { ProgramSchema.operator }),
        .init("delegates", slot: Slot.Plan.delegates, .vectorOfTables { ProgramSchema.backendDelegate }),
        .init("non_const_buffer_sizes", slot: Slot.Plan.nonConstBufferSizes, .vectorOfScalars(size: 8)),
    ])
    static let buffer = TableSchema("Buffer", [
        .init("storage", slot: Slot.Buffer.storage, .vectorOfScalars(size: 1, alignment: 16)),
    ])
    static let dataSegment = TableSchema("DataSegment", [
        .init("offset", slot: Slot.DataSegment.offset, .scalar(size: 8)),
        .init("size", slot: Slot.DataSegment.size, .scalar(size: 8)),
    ])
    static let subsegmentOffsets = TableSchema("SubsegmentOffsets", [
        .init("segment_index", slot: Slot.SubsegmentOffsets.segmentIndex, .scalar(size: 4)),
        .init("offsets", slot: Slot.SubsegmentOffsets.offsets, .vectorOfScalars(size: 8)),
    ])
    static let program = TableSchema("Program", [
        .init("version", slot: Slot.Program.version, .scalar(size: 4)),
        .init("execution_plan", slot: Slot.Program.executionPlan, .vectorOfTables { ProgramSchema.plan }),
        .init("constant_buffer", slot: Slot.Program.constantBuffer, .vectorOfTables { ProgramSchema.buffer }),
        .init("backend_delegate_data", slot: Slot.Program.backendDelegateData, .vectorOfTables { ProgramSchema.inlineData }),
        .init("segments", slot: Slot.Program.segments, .vectorOfTables { ProgramSchema.dataSegment }),
        .init("constant_segment", slot: Slot.Program.constantSegment, .table { ProgramSchema.subsegmentOffsets }),
        .init("named_data", slot: Slot.Program.namedData, .vectorOfTables { ProgramSchema.namedData }),
    ])
}
