import EdgeIR
import Foundation

/// Turns the raw storages of an archive into the contiguous bytes of each weight and constant.
///
/// torch saves each distinct storage once (`data/weights/weight_N`, `data/constants/tensor_N`)
/// and describes every tensor as a view of one: dtype, sizes, strides and storage offset, in
/// elements (`model_weights_config.json`, `model_constants_config.json`). A contiguous view is
/// returned as a slice of the storage (no copy); other views are gathered element by element.
struct TensorPayloads {
    let archive: PT2Archive
    let weights: [String: TorchPayload]
    let constants: [String: TorchPayload]
    private var storages: [String: Data] = [:]

    /// Reads the payload tables of model `model`; a table the archive lacks is empty.
    init(archive: PT2Archive, model: String) throws(TorchImportError) {
        self.archive = archive
        func table(_ entry: String) throws(TorchImportError) -> [String: TorchPayload] {
            guard archive.contains(entry) else { return [:] }
            let json = try JSONValue.parse(try archive.read(entry), what: "\(archive.root)/\(entry)")
            return try TorchPayload.table(JSONCursor(json, path: entry))
        }
        for legacy in ["data/weights/\(model).pt", "data/constants/\(model).pt"] where archive.contains(legacy) {
            throw TorchImportError("\(archive.root)/\(legacy): weights are stored in torch's legacy pickled form, which edgec cannot read; re-save the program with torch.export.save from torch 2.13 (it writes raw weights)", file: archive.path)
        }
        weights = try table("data/weights/\(model)_weights_config.json")
        constants = try table("data/constants/\(model)_constants_config.json")
    }

    /// The payload of `fqn` (a parameter, buffer or constant name) and its folder, if listed.
    func payload(_ fqn: String) -> (TorchPayload, folder: String)? {
        if let p = weights[fqn] { return (p, "data/weights/") }
        if let p = constants[fqn] { return (p, "data/constants/") }
        return nil
    }

    /// The contiguous little-endian bytes of `fqn`, checked against its metadata.
    /// `expected` is the graph's type of the placeholder, which must agree with the payload.
    mutating func bytes(of fqn: String, expected: TensorType, placeholder: String) throws(TorchImportError) -> Data {
        let file = archive.path
        guard let (p, folder) = payload(fqn) else {
            throw TorchImportError("'\(fqn)' (input '\(placeholder)') has no entry in the archive's weights or constants config", file: file)
        }
        let entry = folder + p.pathName
        if p.usePickle {
            throw TorchImportError("'\(fqn)' is stored pickled (\(archive.root)/\(entry)), which edgec cannot read: torch pickles tensor subclasses (e.g. quantized or wrapped tensors). Convert it to a plain torch.Tensor in the module (or call ep.run_decompositions()) and re-export with torch.export.save", file: file)
        }
        guard let meta = p.meta else {
            throw TorchImportError("'\(fqn)' has no tensor metadata in the weights config", file: file)
        }
        guard let element = TorchDType.element(meta.dtype) else {
            throw TorchImportError("'\(fqn)' has dtype \(TorchDType.name(meta.dtype)), which edgec does not support", file: file)
        }
        guard meta.layout == 7 else {
            throw TorchImportError("'\(fqn)' is not a strided (dense) tensor (layout \(meta.layout)); sparse weights are not supported", file: file)
        }
        func ints(_ xs: [TorchSymInt], _ what: String) throws(TorchImportError) -> [Int] {
            try xs.map { x throws(TorchImportError) -> Int in
                guard case .int(let v) = x, v >= 0, v <= Int64(Int32.max) * 1024 else {
                    throw TorchImportError("'\(fqn)': \(what) must be non-negative integers, got \(xs)", file: file)
                }
                return Int(v)
            }
        }
        let sizes = try ints(meta.sizes, "sizes")
        let strides = try ints(meta.strides, "strides")
        let offset = try ints([meta.storageOffset], "storage_offset")[0]
        let declared = TensorType(.scalar(element), sizes)
        guard declared == expected else {
            throw TorchImportError("'\(fqn)': the weights config says \(TypeText.type(declared)) but the graph's input '\(placeholder)' is \(TypeText.type(expected))", file: file)
        }
        let storage: Data
        if let s = storages[entry] {
            storage = s
        } else {
            storage = try archive.read(entry)
            storages[entry] = storage
        }
        return try Self.view(storage, element: element, sizes: sizes, strides: strides, offset: offset,
                             what: "'\(fqn)' (\(archive.root)/\(entry))", file: file)
    }

    /// The contiguous bytes of the strided view `sizes`/`strides`/`offset` (elements) of `storage`.
    static func view(_ storage: Data, element: ScalarType, sizes: [Int], strides: [Int], offset: Int,
                     what: String, file: String) throws(TorchImportError) -> Data {
        let es = element.byteSize
        guard let count = checkedProduct(sizes), count.multipliedReportingOverflow(by: es).overflow == false else {
            throw TorchImportError("\(what): sizes \(sizes) overflow", file: file)
        }
        if count == 0 { return Data() }
        guard storage.count % es == 0 else {
            throw TorchImportError("\(what): storage has \(storage.count) bytes, not a multiple of the \(es)-byte element", file: file)
        }
        // The last element the view touches must lie inside the storage.
        var last = offset
        for (n, s) in zip(sizes, strides) {
            let (m, o1) = (n - 1).multipliedReportingOverflow(by: s)
            let (t, o2) = last.addingReportingOverflow(m)
            guard !o1, !o2 else { throw TorchImportError("\(what): strides \(strides) overflow", file: file) }
            last = t
        }
        let elements = storage.count / es
        guard last < elements else {
            throw TorchImportError("\(what): sizes \(sizes), strides \(strides) and storage offset \(offset) need \((last + 1) * es) bytes of storage but the entry has \(storage.count)", file: file)
        }
        let base = storage.startIndex
        var contiguous = true
        var expect = 1
        for (n, s) in zip(sizes, strides).reversed() where n != 1 {
            if s != expect { contiguous = false; break }
            expect *= n
        }
        if contiguous {
            return storage[(base + offset * es)..<(base + (offset + count) * es)]
        }
        var out = Data(count: count * es)
        storage.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
                var index = [Int](repeating: 0, count: sizes.count)
                for i in 0..<count {
                    var e = offset
                    for d in 0..<sizes.count { e += index[d] * strides[d] }
                    for b in 0..<es { dst[i * es + b] = src[e * es + b] }
                    var d = sizes.count - 1
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < sizes[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }
}
