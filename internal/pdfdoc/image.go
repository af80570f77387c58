package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Image is a PNG or JPEG image, decoded and checked once by NewImage. It can
// be drawn on any number of pages and is written into the file only once.
// It is safe for concurrent use.
type Image struct {
	w, h       int
	colorSpace string // DeviceGray, DeviceRGB or DeviceCMYK
	filter     string // DCTDecode or FlateDecode
	decode     string // optional /Decode array
	data       []byte // the image stream, already encoded with filter
	smask      []byte // Flate-encoded 8-bit alpha channel, or nil
}

// NewImage prepares a PNG or JPEG image. A JPEG (grayscale, RGB or CMYK) is
// passed through unchanged as DCTDecode; CMYK JPEGs are assumed to follow
// Adobe's inverted convention, as Photoshop writes them. A PNG is decoded and
// stored as Flate-compressed RGB, or gray if every pixel is gray, with a soft
// mask for its alpha channel if it has one.
func NewImage(data []byte) (*Image, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return newJPEG(data)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return newPNG(data)
	}
	return nil, errors.New("pdfdoc: not a PNG or JPEG image")
}

// Size returns the image's size in pixels.
func (im *Image) Size() (w, h int) { return im.w, im.h }

func newJPEG(data []byte) (*Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: JPEG image: %w", err)
	}
	im := &Image{w: cfg.Width, h: cfg.Height, filter: "DCTDecode", data: data}
	switch cfg.ColorModel {
	case color.GrayModel:
		im.colorSpace = "DeviceGray"
	case color.YCbCrModel:
		im.colorSpace = "DeviceRGB"
	case color.CMYKModel:
		im.colorSpace, im.decode = "DeviceCMYK", "[1 0 1 0 1 0 1 0]"
	default:
		return nil, errors.New("pdfdoc: JPEG image: unsupported colour model")
	}
	return im, nil
}

func newPNG(data []byte) (*Image, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: PNG image: %w", err)
	}
	b := img.Bounds()
	n := b.Dx() * b.Dy()
	rgb, alpha := make([]byte, 0, 3*n), make([]byte, 0, n)
	gray, opaque := true, true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			gray = gray && c.R == c.G && c.G == c.B
			opaque = opaque && c.A == 0xff
		}
	}
	im := &Image{w: b.Dx(), h: b.Dy(), colorSpace: "DeviceRGB", filter: "FlateDecode"}
	if gray {
		for i := range n {
			rgb[i] = rgb[3*i]
		}
		rgb, im.colorSpace = rgb[:n], "DeviceGray"
	}
	if im.data, err = deflate(rgb); err != nil {
		return nil, fmt.Errorf("pdfdoc: PNG image: %w", err)
	}
	if !opaque {
		if im.smask, err = deflate(alpha); err != nil {
			return nil, fmt.Errorf("pdfdoc: PNG image alpha: %w", err)
		}
	}
	return im, nil
}
