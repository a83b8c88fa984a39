import EdgeKernels
import EdgeProgram
import Testing

@Suite struct KernelSchemaTests {
    @Test func everyKernelIsDeclaredOnceWithDistinctArgumentNames() {
        #expect(duplicateKeys(ATenKernel.allCases.map(\.rawValue)) { $0 }.isEmpty)
        for kernel in ATenKernel.allCases {
            let s = kernel.schema
            #expect(s.name == kernel.rawValue)
            #expect(s.name.hasPrefix("aten::") && s.name.contains("."), "\(s.name) is not aten::name.overload")
            #expect(duplicateKeys(s.parameters) { $0.name }.isEmpty, "\(s.name) repeats an argument name")
            #expect(!s.outs.isEmpty && s.outs.allSatisfy { $0.kind == .tensor || $0.kind == .tensorList }, "\(s.name) outs")
            #expect(s.arity == s.arguments.count + s.outs.count + 1)
            for (k, p) in s.parameters.enumerated() { #expect(s.position(of: p.name) == k) }
            // Every default is a value of its argument's kind.
            for p in s.arguments {
                guard let d = p.defaultValue else { continue }
                let (value, extra) = Self.value(d)
                #expect(p.kind.accepts(value, in: extra), "\(s.name) \(p) has a default of another kind")
            }
        }
    }

    static func value(_ d: ArgumentDefault) -> (EValue, [EValue]) {
        switch d {
        case .int(let v): return (.int(v), [])
        case .double(let v): return (.double(v), [])
        case .bool(let v): return (.bool(v), [])
        case .null: return (.null, [])
        case .string(let s): return (.string(s), [])
        case .intList(let v): return (.intList(v.indices.map(Int32.init)), v.map { EValue.int($0) })
        }
    }

    @Test func signaturesPrintAsInNativeFunctions() {
        #expect(ATenKernel.convolution.schema.description
            == "aten::convolution.out(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, bool transposed, int[] output_padding, int groups, *, Tensor(a!) out) -> Tensor(a!)")
        #expect(ATenKernel.add.schema.description == "aten::add.out(Tensor self, Tensor other, Scalar alpha=1, *, Tensor(a!) out) -> Tensor(a!)")
        #expect(ATenKernel.maxPool2dWithIndices.schema.description
            == "aten::max_pool2d_with_indices.out(Tensor self, int[] kernel_size, int[] stride=[], int[] padding=[0, 0], int[] dilation=[1, 1], bool ceil_mode=False, *, Tensor(a!) out, Tensor(b!) indices) -> (Tensor(a!), Tensor(b!))")
        #expect(ATenKernel.splitWithSizesCopy.schema.description
            == "aten::split_with_sizes_copy.out(Tensor self, int[] split_sizes, int dim=0, *, Tensor(a!)[] out) -> Tensor(a!)[]")
        #expect(ATenKernel.convolution.schema.arity == 11)
        #expect(ATenKernel.batchNormNoTraining.schema.arity == 11)
        #expect(ATenKernel.relu.schema.arity == 3)
    }

    @Test func callsThatDoNotFitTheSchemaAreNamed() {
        let tensor = EValue.tensor(TensorValue(scalarType: .float, sizes: [1]))
        let values: [EValue] = [tensor, .int(1), .bool(false), .null, .double(0.5), .tensorList([0, 0])]
        let relu = ATenKernel.relu.schema
        #expect(relu.mismatch([0, 0, 0], in: values) == nil)
        #expect(relu.mismatch([0, 0], in: values) == "aten::relu.out takes 3 arguments, got 2")
        #expect(relu.mismatch([0, 1, 0], in: values) == "aten::relu.out argument out (%1) must be Tensor, got Int")
        #expect(relu.mismatch([0, 0, 9], in: values) == "aten::relu.out argument 2 refers to value 9, which does not exist")
        #expect(relu.mismatch([0, 0, 5], in: values) == "aten::relu.out returned value (%5) must be Tensor, got TensorList")
        let clamp = ATenKernel.clamp.schema
        #expect(clamp.mismatch([0, 3, 1, 0, 0], in: values) == nil)  // Scalar? takes Null and Int
        #expect(clamp.mismatch([0, 2, 4, 0, 0], in: values) == nil)  // ... Bool and Double
        let layerNorm = ATenKernel.layerNorm.schema
        #expect(layerNorm.mismatch([0, 1, 3, 3, 4, 0, 0, 0, 5], in: values) == "aten::native_layer_norm.out argument normalized_shape (%1) must be int[], got Int")
    }

    @Test func kindsAcceptExactlyTheirValues() {
        let values: [EValue] = [.int(3), .double(1), .tensor(TensorValue(scalarType: .float, sizes: []))]
        #expect(ArgumentKind.intList.accepts(.intList([0]), in: values))
        #expect(!ArgumentKind.intList.accepts(.intList([1]), in: values))  // an item that is not an Int
        #expect(!ArgumentKind.intList.accepts(.intList([7]), in: values))  // an item that does not exist
        #expect(!ArgumentKind.intList.accepts(.null, in: values))
        #expect(ArgumentKind.optionalIntList.accepts(.null, in: values))
        #expect(ArgumentKind.tensorList.accepts(.tensorList([2]), in: values))
        #expect(!ArgumentKind.tensorList.accepts(.tensorList([0]), in: values))
        #expect(!ArgumentKind.float.accepts(.int(1), in: values))
        #expect(ArgumentKind.scalar.accepts(.bool(true), in: values))
        #expect(!ArgumentKind.scalar.accepts(.null, in: values))
        #expect(!ArgumentKind.string.accepts(.null, in: values))
        #expect(ArgumentKind.optionalString.accepts(.null, in: values))
    }

    @Test func duplicateKeysAreFound() {
        #expect(duplicateKeys(["a", "b", "a", "c", "b", "a"]) { $0 } == ["a", "b"])
        #expect(duplicateKeys([1, 2, 3]) { $0 }.isEmpty)
    }

    @Test func elementTypesMapBothWays() {
        for d in DType.allCases { #expect(PTEScalarType(d).dtype == d) }
        #expect(Set(DType.allCases.map { PTEScalarType($0) }).count == DType.allCases.count)
        for s in [PTEScalarType.qint8, .quint8, .qint32] { #expect(s.dtype == nil) }
        #expect(PTEScalarType(.f32) == .float && PTEScalarType(.i64) == .long && PTEScalarType(.bf16) == .bfloat16)
        #expect(PTEScalarType(.u16) == .uint16 && PTEScalarType(.u32) == .uint32 && PTEScalarType(.u64) == .uint64)
        #expect(PTEScalarType.uint64.rawValue == 29 && PTEScalarType.uint64.byteSize == 8)
    }
}
