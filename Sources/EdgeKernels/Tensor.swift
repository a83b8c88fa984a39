// Tensor views (non-owning, used by the runtime arena) and the owning `Tensor` value type.

/// Read-only, non-owning view of a contiguous row-major tensor.
public struct TensorView {
    /// Address of the first element.
    public let base: UnsafeRawPointer
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first.
    public let shape: [Int]

    /// Wraps existing memory; the memory must outlive every use of the view.
    public init(base: UnsafeRawPointer, dtype: DType, shape: [Int]) {
        self.base = base
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements (unchecked product; kernels validate with `Shapes.elementCount`).
    public var count: Int { product(shape) }
    /// Number of bytes (`count * dtype.byteSize`).
    public var byteCount: Int { count &* dtype.byteSize }

    /// Typed pointer to the first element; `T` must have the element size of `dtype`.
    public func pointer<T>(as type: T.Type) -> UnsafePointer<T> {
        precondition(MemoryLayout<T>.stride == dtype.byteSize, "element type does not match dtype \(dtype)")
        return base.bindMemory(to: T.self, capacity: count)
    }

    /// Typed buffer over all elements; `T` must have the element size of `dtype`.
    public func buffer<T>(as type: T.Type) -> UnsafeBufferPointer<T> {
        UnsafeBufferPointer(start: pointer(as: T.self), count: count)
    }

    /// The same memory under another shape with the same element count (`-1` infers one dim).
    public func reshaped(_ newShape: [Int]) throws -> TensorView {
        TensorView(base: base, dtype: dtype, shape: try Reshape.outputShape(input: shape, target: newShape))
    }

    /// Overflow-checked element count (throws for negative dims).
    func checkedCount(_ kernel: String) throws -> Int { try Shapes.elementCount(shape, kernel: kernel) }
    /// Pointer typed as Float (caller validated dtype).
    var f32: UnsafePointer<Float> { base.bindMemory(to: Float.self, capacity: count) }
    /// Pointer typed as T (caller validated dtype).
    @inline(__always) func typed<T>(_: T.Type) -> UnsafePointer<T> { base.bindMemory(to: T.self, capacity: count) }
}

/// Writable, non-owning view of a contiguous row-major tensor.
public struct MutableTensorView {
    /// Address of the first element.
    public let base: UnsafeMutableRawPointer
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first.
    public let shape: [Int]

    /// Wraps existing writable memory; the memory must outlive every use of the view.
    public init(base: UnsafeMutableRawPointer, dtype: DType, shape: [Int]) {
        self.base = base
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements (unchecked product; kernels validate with `Shapes.elementCount`).
    public var count: Int { product(shape) }
    /// Number of bytes (`count * dtype.byteSize`).
    public var byteCount: Int { count &* dtype.byteSize }
    /// Read-only view of the same memory.
    public var readOnly: TensorView { TensorView(base: UnsafeRawPointer(base), dtype: dtype, shape: shape) }

    /// Typed pointer to the first element; `T` must have the element size of `dtype`.
    public func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.stride == dtype.byteSize, "element type does not match dtype \(dtype)")
        return base.bindMemory(to: T.self, capacity: count)
    }

    /// Typed buffer over all elements; `T` must have the element size of `dtype`.
    public func buffer<T>(as type: T.Type) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(start: pointer(as: T.self), count: count)
    }

    /// The same memory under another shape with the same element count (`-1` infers one dim).
    public func reshaped(_ newShape: [Int]) throws -> MutableTensorView {
        MutableTensorView(base: base, dtype: dtype, shape: try Reshape.outputShape(input: shape, target: newShape))
    }

    func checkedCount(_ kernel: String) throws -> Int { try Shapes.elementCount(shape, kernel: kernel) }
    var f32: UnsafeMutablePointer<Float> { base.bindMemory(to: Float.self, capacity: count) }
    @inline(__always) func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> { base.bindMemory(to: T.self, capacity: count) }
}

/// Heap block with 64-byte alignment backing a `Tensor` (copied on write).
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int, zeroed: Bool) {
        self.byteCount = byteCount
        pointer = .allocate(byteCount: max(byteCount, 1), alignment: 64)
        if zeroed { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
    }

    func copy() -> TensorStorage {
        let s = TensorStorage(byteCount: byteCount, zeroed: false)
        s.pointer.copyMemory(from: pointer, byteCount: byteCount)
        return s
    }

    deinit { pointer.deallocate() }
}

/// Owning, copy-on-write, contiguous row-major tensor (used by constant folding and tests).
public struct Tensor: Sendable {
    /// Element type.
    public let dtype: DType
    /// Dimensions, outermost first.
    public let shape: [Int]
    var storage: TensorStorage

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { product(shape) }
    /// Number of bytes of element data.
    public var byteCount: Int { count * dtype.byteSize }

    init(shape: [Int], dtype: DType, storage: TensorStorage) {
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    /// Allocates without initializing (for kernels that overwrite every element).
    init(uninitialized shape: [Int], dtype: DType, kernel: String = "tensor") throws {
        let bytes = try Shapes.byteCount(shape, dtype: dtype, kernel: kernel)
        self.init(shape: shape, dtype: dtype, storage: TensorStorage(byteCount: bytes, zeroed: false))
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int], dtype: DType = .f32) throws {
        let bytes = try Shapes.byteCount(shape, dtype: dtype, kernel: "tensor")
        self.init(shape: shape, dtype: dtype, storage: TensorStorage(byteCount: bytes, zeroed: true))
    }

    /// Copies raw little-endian element bytes; `bytes.count` must equal the tensor's byte count.
    public init(bytes: [UInt8], dtype: DType, shape: [Int]) throws {
        try self.init(uninitialized: shape, dtype: dtype)
        guard bytes.count == byteCount else {
            throw KernelError.shapeMismatch(kernel: "tensor",
                                            message: "\(bytes.count) bytes for \(dtype) shape \(shape) (needs \(byteCount))")
        }
        bytes.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    /// Copies the contents of a view.
    public init(copying view: TensorView) throws {
        try self.init(uninitialized: view.shape, dtype: view.dtype)
        storage.pointer.copyMemory(from: view.base, byteCount: byteCount)
    }

    /// An f32 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [Float], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .f32, shape: shape) }
    /// An f64 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [Double], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .f64, shape: shape) }
    /// An i64 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [Int64], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .i64, shape: shape) }
    /// A u64 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [UInt64], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .u64, shape: shape) }
    /// A u32 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [UInt32], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .u32, shape: shape) }
    /// An i32 tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [Int32], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .i32, shape: shape) }
    /// A bool tensor; `shape` defaults to `[values.count]`.
    public init(_ values: [Bool], shape: [Int]? = nil) throws { try self.init(elements: values, dtype: .bool, shape: shape) }

    /// Builds a constant of any dtype from real numbers with the one constant-encoding policy
    /// used everywhere constants are made (importers, the `.eir` parser, passes, `full`):
    /// floating-point types round to nearest even (overflow gives ±inf, NaN stays NaN; f16 and
    /// bf16 through ``HalfPrecision``); integer types truncate toward zero, NaN gives 0 and
    /// values outside the type's range saturate at its limits; bool is `x != 0`.
    public init(converting values: [Double], dtype: DType, shape: [Int]? = nil) throws {
        switch dtype {
        case .f32: try self.init(elements: values.map { Float($0) }, dtype: dtype, shape: shape)
        case .f64: try self.init(elements: values, dtype: dtype, shape: shape)
        case .f16: try self.init(elements: values.map { F16Bits(fromDouble: $0) }, dtype: dtype, shape: shape)
        case .bf16: try self.init(elements: values.map { BF16Bits(fromDouble: $0) }, dtype: dtype, shape: shape)
        case .i8: try self.init(elements: values.map { saturatingInteger($0, Int8.self) }, dtype: dtype, shape: shape)
        case .u8: try self.init(elements: values.map { saturatingInteger($0, UInt8.self) }, dtype: dtype, shape: shape)
        case .i16: try self.init(elements: values.map { saturatingInteger($0, Int16.self) }, dtype: dtype, shape: shape)
        case .u16: try self.init(elements: values.map { saturatingInteger($0, UInt16.self) }, dtype: dtype, shape: shape)
        case .i32: try self.init(elements: values.map { saturatingInteger($0, Int32.self) }, dtype: dtype, shape: shape)
        case .u32: try self.init(elements: values.map { saturatingInteger($0, UInt32.self) }, dtype: dtype, shape: shape)
        case .i64: try self.init(elements: values.map { saturatingInteger($0, Int64.self) }, dtype: dtype, shape: shape)
        case .u64: try self.init(elements: values.map { saturatingInteger($0, UInt64.self) }, dtype: dtype, shape: shape)
        case .bool: try self.init(elements: values.map { BoolByte(fromDouble: $0) }, dtype: dtype, shape: shape)
        }
    }

    init<T>(elements: [T], dtype: DType, shape: [Int]?) throws {
        precondition(MemoryLayout<T>.stride == dtype.byteSize)
        let shape = shape ?? [elements.count]
        try self.init(uninitialized: shape, dtype: dtype)
        guard elements.count == count else {
            throw KernelError.shapeMismatch(kernel: "tensor", message: "\(elements.count) values for shape \(shape)")
        }
        elements.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Calls `body` with a read-only view valid for the duration of the call.
    public func withView<R>(_ body: (TensorView) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(TensorView(base: UnsafeRawPointer(storage.pointer), dtype: dtype, shape: shape))
        }
    }

    /// Calls `body` with a writable view (copying the storage first if it is shared).
    public mutating func withMutableView<R>(_ body: (MutableTensorView) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try withExtendedLifetime(storage) {
            try body(MutableTensorView(base: storage.pointer, dtype: dtype, shape: shape))
        }
    }

    /// Unsafe view whose lifetime the caller guarantees (keeps `self` alive around the use).
    var unsafeView: TensorView { TensorView(base: UnsafeRawPointer(storage.pointer), dtype: dtype, shape: shape) }

    /// Same data under a new shape with equal element count (`-1` infers one dim); shares storage.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        Tensor(shape: try Reshape.outputShape(input: shape, target: newShape), dtype: dtype, storage: storage)
    }

    /// The raw element bytes.
    public func bytes() -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage.pointer, count: byteCount))
    }

    func converted<D: StorageScalar>(to: D.Type) -> [D] {
        let n = count
        return [D](unsafeUninitializedCapacity: n) { buf, initialized in
            withExtendedLifetime(storage) {
                convertBuffer(UnsafeRawPointer(storage.pointer), dtype: dtype, UnsafeMutableRawPointer(buf.baseAddress!), D.self, count: n)
            }
            initialized = n
        }
    }

    /// Elements as Float (converted from any dtype with cast semantics).
    public func floats() -> [Float] { converted(to: Float.self) }
    /// Elements as Double (converted from any dtype).
    public func doubles() -> [Double] { converted(to: Double.self) }
    /// Elements as Int64 (floats truncate toward zero, NaN -> 0).
    public func int64s() -> [Int64] { converted(to: Int64.self) }
    /// Elements as UInt64 (exact for every unsigned type; signed integers wrap, as C casts).
    public func uint64s() -> [UInt64] { converted(to: UInt64.self) }
    /// Elements as Int32 (floats truncate toward zero, wider ints wrap).
    public func int32s() -> [Int32] { converted(to: Int32.self) }
    /// Elements as Bool (`x != 0`).
    public func bools() -> [Bool] { converted(to: BoolByte.self).map { $0.raw != 0 } }
}

extension Tensor: Equatable {
    /// Equal when dtype, shape and element bytes are identical.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        return lhs.bytes() == rhs.bytes()
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor(f32, [2, 3])`.
    public var description: String { "Tensor(\(dtype), \(shape))" }
}

// MARK: - Helpers for the allocating wrappers

/// Calls `body` with views of all tensors, keeping them alive.
func withViews<R>(_ tensors: [Tensor], _ body: ([TensorView]) throws -> R) rethrows -> R {
    try withExtendedLifetime(tensors) { try body(tensors.map(\.unsafeView)) }
}

/// Allocates an output tensor and lets `body` fill it through a mutable view.
func makeTensor(shape: [Int], dtype: DType, kernel: String, _ body: (MutableTensorView) throws -> Void) throws -> Tensor {
    var out = try Tensor(uninitialized: shape, dtype: dtype, kernel: kernel)
    try out.withMutableView(body)
    return out
}
